package store_test

import (
	"context"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// Query 9 through the aggregation (`auditdeck top user.user_email
// --filter ...`): candidates from the columns, groups from the user
// column's codes. BenchmarkTopUsersFailedLogins is the brute force it
// replaces (a scan counting per user).
func BenchmarkAggregateTopUsersFailedLogins(b *testing.B) {
	eng := benchEngine(b)
	f := mustFilter(b, "event_type.eq(login),operation_successful.eq(false)")
	var res core.AggregateResult
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		res, err = eng.Aggregate(context.Background(), core.StatsQuery{Filter: f, By: []core.GroupBy{{Field: "user.user_email"}}, Top: 10})
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(res.Groups) != 10 || res.Groups[0].Count < 2 {
		b.Fatalf("top users: %+v", res.Groups)
	}
	b.ReportMetric(float64(res.Rows), "matches")
}
