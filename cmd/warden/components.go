package main

import (
	"github.com/warden-ml/warden/component"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/outlier"
)

// components are the detectors of this build. A new detector is its package
// and a line here.
var components = []component.Detector{
	drift.Component{},
	outlier.Component{},
}
