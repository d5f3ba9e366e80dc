package subscriptions

import "github.com/auditdeck/auditdeck/tui/viewkit"

// The list, live-update and text helpers shared with the other list views;
// short local names keep the view code readable.
const refreshEvery = viewkit.RefreshEvery

type (
	changeMsg  = viewkit.ChangeMsg
	refreshMsg = viewkit.RefreshMsg
	live       = viewkit.Live
	col        = viewkit.Col
	listState  = viewkit.ListState
)

var (
	newViewID   = viewkit.NewViewID
	clean       = viewkit.Clean
	fit         = viewkit.Fit
	pad         = viewkit.Pad
	wrap        = viewkit.Wrap
	fitLines    = viewkit.FitLines
	kv          = viewkit.KV
	widths      = viewkit.Widths
	split       = viewkit.Split
	scrollView  = viewkit.ScrollView
	scrollKeys  = viewkit.ScrollKeys
	fmtTime     = viewkit.FmtTime
	plural      = viewkit.Plural
	groupDigits = viewkit.GroupDigits
	keyIs       = viewkit.KeyIs
)
