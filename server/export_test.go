package server

// RoutePolicy gives the external tests the guard's policy of a route: the
// role it requires ("" for none) and the media types its body may have.
func RoutePolicy(pattern string) (role string, types []string, ok bool) {
	p, ok := policies[pattern]
	return string(p.role), p.types, ok
}
