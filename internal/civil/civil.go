// Package civil does the calendar arithmetic Warden's date parsers share:
// month lengths and day numbers in the proleptic Gregorian calendar. The
// parsers cannot lean on time.Date, which quietly turns February 30 into
// March 2 where a parser must refuse it.
package civil

// DaysIn is the number of days in a month (1-12) of a year.
func DaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// DaysFromEpoch counts days from 1970-01-01 to a date, after Howard
// Hinnant's days_from_civil algorithm (eras of 400 years).
func DaysFromEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 { // Go division truncates towards zero; eras floor
		era = (y - 399) / 400
	}
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
