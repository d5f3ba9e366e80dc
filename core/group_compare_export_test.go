package core

import "context"

// GroupRowsBoth runs a grouped report both ways on one snapshot: with the
// streaming grouper (the old path) and with the aggregation.
func GroupRowsBoth(ctx context.Context, e *Engine, filter string, g *GroupSpec) (stream, agg [][]string, err error) {
	res, err := e.resolve(&ExportRequest{Type: TypeActivity, Filter: filter, GroupBy: g})
	if err != nil {
		return nil, nil, err
	}
	snap := e.events.SnapshotAt(Pin{})
	defer snap.Close()
	if stream, err = e.streamGroupRows(ctx, snap, res, g); err != nil {
		return nil, nil, err
	}
	agg, err = e.groupRows(ctx, snap, res, g)
	return stream, agg, err
}

// SetMaxGroups bounds grouped reports to n groups until the returned
// function restores the bound.
func SetMaxGroups(n int) (restore func()) {
	old := maxGroups
	maxGroups = n
	return func() { maxGroups = old }
}
