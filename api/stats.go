package api

import (
	"net/http"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/core/query"
)

// statsParams: the aggregation, and the same filter parameters as GET /activities.
var statsParams = []string{"by", "stats", "top", "filter", "event_type", "ids", "created_after"}

// statsGroup is one group of GET /activities/stats (schema StatsGroup).
type statsGroup struct {
	Key   []any          `json:"key"`
	Count int64          `json:"count"`
	Stats map[string]any `json:"stats"`
}

type statsOther struct {
	Count  int64 `json:"count"`
	Groups int64 `json:"groups"`
}

// activityStats answers GET /activities/stats: the matches counted by up
// to three fields (?by=user.user_email,time(1h)), with the metrics of
// ?stats= (default count()), the ?top= largest groups and the rest as other.
func (h *handler) activityStats(w http.ResponseWriter, r *http.Request, _ access.Principal) error {
	q := r.URL.Query()
	for _, p := range []string{"by", "stats", "top"} {
		if len(q[p]) > 1 {
			return errorf(http.StatusBadRequest, "parameter %q: given more than once", p)
		}
	}
	top, err := intParam(q, "top", 10, 0, 10000)
	if err != nil {
		return err
	}
	expr := strings.TrimSpace(q.Get("stats"))
	if expr == "" {
		expr = "count()"
	}
	if by := strings.TrimSpace(q.Get("by")); by != "" {
		expr += " by " + by
	}
	metrics, by, err := core.ParseStats(expr)
	if err != nil {
		return &query.ParamError{Param: "stats", Msg: err.Error()}
	}
	f, err := query.ParseCloudlockParams(q)
	if err != nil {
		return err
	}
	res, err := h.eng.Aggregate(r.Context(), core.StatsQuery{Filter: f, By: by, Metrics: metrics, Top: top})
	if err != nil {
		return err
	}
	out := struct {
		Rows        int64        `json:"rows"`
		By          []string     `json:"by"`
		Stats       []string     `json:"stats"`
		Groups      []statsGroup `json:"groups"`
		Other       statsOther   `json:"other"`
		TotalGroups int64        `json:"total_groups"`
		Approximate bool         `json:"approximate"`
		MaxError    int64        `json:"max_error"`
		Warnings    []string     `json:"warnings"`
	}{Rows: res.Rows, By: []string{}, Stats: []string{}, Groups: []statsGroup{}, Other: statsOther{res.OtherCount, res.OtherGroups},
		TotalGroups: res.TotalGroups, Approximate: res.Approximate, MaxError: res.MaxError, Warnings: h.eng.FilterWarnings(r.Context(), f)}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, g := range by {
		out.By = append(out.By, g.String())
	}
	for _, m := range metrics {
		out.Stats = append(out.Stats, m.String())
	}
	for _, g := range res.Groups {
		sg := statsGroup{Key: make([]any, len(g.Key)), Count: g.Count, Stats: map[string]any{}}
		for i, v := range g.Key {
			sg.Key[i] = v.JSON()
		}
		for i, st := range g.Stats {
			sg.Stats[out.Stats[i]] = metrics[i].StatJSON(st)
		}
		out.Groups = append(out.Groups, sg)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
