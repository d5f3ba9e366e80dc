package reports

import "github.com/auditdeck/auditdeck/tui/viewkit/viewkittest"

// The shared test harness; local names keep the tests short.
var fixtureNow = viewkittest.FixtureNow

type (
	env   = viewkittest.Env
	clock = viewkittest.Clock
)

var (
	newEnv      = viewkittest.NewEnv
	run         = viewkittest.Run
	snapshot    = viewkittest.Snapshot
	waitView    = viewkittest.WaitView
	waitText    = viewkittest.WaitText
	keys        = viewkittest.Keys
	mask        = viewkittest.Mask
	goldens     = viewkittest.Goldens
	checkScreen = viewkittest.CheckScreen
)
