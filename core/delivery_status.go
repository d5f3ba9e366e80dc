package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/auditdeck/auditdeck/core/schedule"
)

// DeliveryState is how the webhook notice of a run's report fared. A run
// succeeds when its report exists; whether anyone was told is this.
type DeliveryState string

// Delivery states.
const (
	DeliveryNone      DeliveryState = "none"      // no webhook, or no report to announce
	DeliveryPending   DeliveryState = "pending"   // attempts under way, or interrupted and retried on the next start
	DeliveryDelivered DeliveryState = "delivered" // the receiver answered 2xx
	DeliveryFailed    DeliveryState = "failed"    // attempts exhausted or refused for good
	DeliveryUnknown   DeliveryState = "unknown"   // a report made before delivery was recorded
)

// Delivery is the webhook outcome of one run.
type Delivery struct {
	State      DeliveryState `json:"state"`
	Attempts   int           `json:"attempts,omitempty"`
	LastStatus int           `json:"last_status,omitempty"` // HTTP status of the last attempt; 0 = no response
	LastError  string        `json:"last_error,omitempty"`
	At         time.Time     `json:"at,omitzero"` // the last attempt
}

// String is the outcome in words: "delivered", "failed after 6 attempts:
// HTTP 500 Internal Server Error", "none".
func (d Delivery) String() string {
	tries := func() string {
		if d.Attempts == 1 {
			return "1 attempt"
		}
		return strconv.Itoa(d.Attempts) + " attempts"
	}
	switch d.State {
	case DeliveryDelivered:
		if d.Attempts > 1 {
			return "delivered after " + tries()
		}
		return "delivered"
	case DeliveryFailed:
		s := "failed after " + tries()
		if d.LastError != "" {
			s += ": " + d.LastError
		}
		return s
	case DeliveryPending:
		if d.Attempts > 0 {
			s := "pending, " + tries() + " so far"
			if d.LastError != "" {
				s += ", last: " + d.LastError
			}
			return s
		}
		return "pending"
	case "":
		return string(DeliveryNone)
	}
	return string(d.State)
}

// RunInfo is a run with the delivery of its webhook notice.
type RunInfo struct {
	schedule.Run
	Delivery Delivery
}

func deliveryKind(subID string) string { return "delivery." + subID }

func (e *Engine) putDelivery(ctx context.Context, subID, reportID string, d Delivery) {
	// Best effort: a failed write must not fail the report, which exists.
	if err := e.putJSON(ctx, deliveryKind(subID), reportID, d); err != nil {
		e.logf("record webhook delivery of %s: %v", reportID, err)
	}
}

// runInfos joins a subscription's runs with their deliveries, one listing
// of the subscription's delivery records, not one read per run.
func (e *Engine) runInfos(ctx context.Context, s Subscription, runs []schedule.Run) ([]RunInfo, error) {
	out := make([]RunInfo, len(runs))
	if len(runs) == 0 {
		return out, nil
	}
	byReport := map[string]Delivery{}
	if s.Webhook != "" {
		err := e.objects.ListObjects(ctx, deliveryKind(s.ID), func(id string, doc []byte) error {
			var d Delivery
			if err := json.Unmarshal(doc, &d); err != nil {
				return fmt.Errorf("decode delivery %s: %w", id, err)
			}
			byReport[id] = d
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for i, r := range runs {
		d := Delivery{State: DeliveryNone}
		if s.Webhook != "" && r.ReportID != "" {
			if got, ok := byReport[r.ReportID]; ok {
				d = got
			} else if r.State == schedule.Succeeded {
				d.State = DeliveryUnknown
			}
		}
		out[i] = RunInfo{Run: r, Delivery: d}
	}
	return out, nil
}

// RunDelivery returns the webhook delivery of one report of a subscription.
func (e *Engine) RunDelivery(ctx context.Context, a Actor, subID, reportID string) (Delivery, error) {
	s, err := e.getSub(ctx, a, subID)
	if err != nil {
		return Delivery{}, err
	}
	if s.Webhook == "" {
		return Delivery{State: DeliveryNone}, nil
	}
	var d Delivery
	err = e.getJSON(ctx, deliveryKind(subID), reportID, &d)
	if errors.Is(err, ErrNotFound) {
		return e.deliveryFromAttempts(ctx, reportID)
	}
	return d, err
}

// deliveryFromAttempts reads the outcome of a report delivered before
// outcomes were recorded from its recorded attempts.
func (e *Engine) deliveryFromAttempts(ctx context.Context, reportID string) (Delivery, error) {
	tries, err := e.WebhookAttempts(ctx, reportID)
	if err != nil || len(tries) == 0 {
		return Delivery{State: DeliveryUnknown}, err
	}
	last := tries[len(tries)-1].Attempt
	d := Delivery{State: DeliveryFailed, Attempts: len(tries), LastStatus: last.Status, LastError: last.Error, At: last.At}
	if last.Error == "" {
		d.State = DeliveryDelivered
	}
	return d, nil
}
