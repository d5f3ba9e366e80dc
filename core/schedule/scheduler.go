package schedule

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Subscription asks for a defined report every period.
type Subscription struct {
	ID, DefinedReportID, Owner string
	Period                     Period
	Formats                    []string
	TimeZone                   string        // IANA; "" = UTC
	Delay                      time.Duration // ingestion delay; default 15m is applied by the caller
	Enabled                    bool
	CreatedAt                  time.Time
	// Anchor: the first period a subscription covers is the first complete
	// period that ends after CreatedAt, i.e. the period containing CreatedAt.
}

// RunState is where a run is in its life.
type RunState string

// Run states. Succeeded and skipped are final; failed is final once the run
// has used its attempts; pending and running are retried.
const (
	Pending   RunState = "pending"   // chosen, not started (or interrupted by shutdown)
	Running   RunState = "running"   // written before Generate; found at start-up it means a crash
	Succeeded RunState = "succeeded" // the report exists
	Failed    RunState = "failed"    // the last attempt failed (final after MaxAttempts)
	Skipped   RunState = "skipped"   // missed beyond the catch-up bound; never generated
)

// Run is the bookkeeping of one (subscription, window).
type Run struct {
	SubscriptionID        string
	Window                Window
	ScheduledAt           time.Time // the due time the window was resolved from (RunNow: the time it was asked)
	State                 RunState
	ReportID              string
	Rows                  int64
	Attempts              int
	Error                 string
	StartedAt, FinishedAt time.Time
	Manual                bool // created by RunNow
}

// Store persists what the scheduler needs; the engine implements it on the real store.
type Store interface {
	Subscriptions() ([]Subscription, error)
	// Run returns the run of a subscription whose window starts at windowStart.
	Run(subID string, windowStart time.Time) (Run, bool, error)
	// PutRun creates or replaces the run keyed by (SubscriptionID, Window.Start).
	PutRun(Run) error
	Runs(subID string) ([]Run, error) // newest first
}

// Generate produces the report for one run. It MUST be idempotent per
// (subscription, window): the engine derives the report id from them, so
// generating again after a crash finds the finished file and returns it
// instead of writing a second one.
type Generate func(ctx context.Context, sub Subscription, w Window) (reportID string, rows int64, err error)

// Options tune a Scheduler; zero values get the defaults.
type Options struct {
	Clock       func() time.Time                                // default time.Now
	MaxCatchUp  int                                             // most missed periods generated per subscription on one tick (default 3); older missed ones are recorded as skipped
	MaxAttempts int                                             // attempts per run before it is failed (default 3)
	Workers     int                                             // concurrent runs across subscriptions (default 2)
	Wake        <-chan struct{}                                 // optional: subscriptions changed, recompute the next wake-up
	Sleep       func(ctx context.Context, d time.Duration) bool // injectable for tests; default a timer; false when ctx ended

	// Additions beyond the brief.
	RetryBackoff time.Duration   // pause before attempt n+1 is n*RetryBackoff (default 2s)
	MaxSleep     time.Duration   // longest sleep in Loop, bounding how late a wall-clock jump is noticed (default 1m)
	OnError      func(err error) // optional: errors Loop meets (it keeps going)
}

// Scheduler runs subscriptions. It is safe for concurrent use.
type Scheduler struct {
	store Store
	gen   Generate
	opts  Options
	slots chan struct{} // Workers: concurrent Generate calls

	mu    sync.Mutex
	locks map[string]*subLock
	done  map[string]doneMark // subscription id -> windows known final
}

type subLock struct {
	ch   chan struct{}
	refs int
}

// doneMark says every window of a subscription ending at or before through
// has a final run, for the configuration described by key.
type doneMark struct {
	key     string
	through time.Time
}

// New returns a scheduler over store that produces reports with gen.
func New(store Store, gen Generate, opts Options) *Scheduler {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxCatchUp <= 0 {
		opts.MaxCatchUp = 3
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Sleep == nil {
		opts.Sleep = timerSleep
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 2 * time.Second
	}
	if opts.MaxSleep <= 0 {
		opts.MaxSleep = time.Minute
	}
	return &Scheduler{
		store: store,
		gen:   gen,
		opts:  opts,
		slots: make(chan struct{}, opts.Workers),
		locks: map[string]*subLock{},
		done:  map[string]doneMark{},
	}
}

func timerSleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// lock takes the per-subscription lock, waiting until it is free or ctx ends.
func (s *Scheduler) lock(ctx context.Context, id string) (func(), error) {
	s.mu.Lock()
	l := s.locks[id]
	if l == nil {
		l = &subLock{ch: make(chan struct{}, 1)}
		s.locks[id] = l
	}
	l.refs++
	s.mu.Unlock()
	release := func() {
		s.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(s.locks, id)
		}
		s.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// config is a subscription's resolved schedule.
type config struct {
	loc   *time.Location
	delay time.Duration
	first Window // the anchor period
	key   string // what the windows depend on
}

func (s *Scheduler) resolve(sub Subscription) (config, error) {
	if err := sub.Period.check(); err != nil {
		return config{}, fmt.Errorf("subscription %s: %w", sub.ID, err)
	}
	loc, err := LoadZone(sub.TimeZone)
	if err != nil {
		return config{}, fmt.Errorf("subscription %s: %w", sub.ID, err)
	}
	if sub.CreatedAt.IsZero() {
		// Without it the anchor would be year 1 and every period since skipped.
		return config{}, fmt.Errorf("subscription %s has no creation time", sub.ID)
	}
	return s.resolveIn(sub, loc), nil
}

func (s *Scheduler) resolveIn(sub Subscription, loc *time.Location) config {
	delay := max(sub.Delay, 0)
	c, start := containing(sub.Period, sub.CreatedAt, loc)
	return config{
		loc:   loc,
		delay: delay,
		first: Window{Start: start, End: boundary(addPeriods(sub.Period, c, 1), loc)},
		key:   fmt.Sprintf("%s|%s|%d", sub.Period, loc.String(), sub.CreatedAt.UnixNano()),
	}
}

// nextDue is the due time of the first window after latest that the
// subscription covers.
func nextDue(sub Subscription, cfg config, latest Window) time.Time {
	if latest.End.Before(cfg.first.End) {
		return DueAt(cfg.first.End, cfg.delay)
	}
	return DueAt(NextPeriodStart(sub.Period, latest.End, cfg.loc), cfg.delay)
}

// NextRun returns the next due time of sub for display: a time at or before
// now when runs are due and not yet made, the zero time when the
// subscription is paused.
func (s *Scheduler) NextRun(sub Subscription) (time.Time, error) {
	cfg, err := s.resolve(sub)
	if err != nil {
		return time.Time{}, err
	}
	if !sub.Enabled {
		return time.Time{}, nil
	}
	now := s.opts.Clock()
	latest := WindowFor(sub.Period, now, cfg.loc, cfg.delay)
	if s.markCovers(sub.ID, cfg, latest) {
		return nextDue(sub, cfg, latest), nil
	}
	runs, err := s.store.Runs(sub.ID)
	if err != nil {
		return time.Time{}, err
	}
	p := s.plan(sub, cfg, now, latest, runs)
	if len(p.work) > 0 {
		return p.work[0].ScheduledAt, nil
	}
	return nextDue(sub, cfg, latest), nil
}

func (s *Scheduler) markCovers(id string, cfg config, latest Window) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.done[id]
	return ok && m.key == cfg.key && !latest.End.After(m.through)
}

func (s *Scheduler) setMark(id string, cfg config, through time.Time) {
	s.mu.Lock()
	s.done[id] = doneMark{key: cfg.key, through: through}
	s.mu.Unlock()
}

// pruneMarks forgets subscriptions that no longer exist.
func (s *Scheduler) pruneMarks(subs []Subscription) {
	live := make(map[string]bool, len(subs))
	for _, sub := range subs {
		live[sub.ID] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.done {
		if !live[id] {
			delete(s.done, id)
		}
	}
}

func (s *Scheduler) dropMark(id string) {
	s.mu.Lock()
	delete(s.done, id)
	s.mu.Unlock()
}

// plan is what one tick does for one subscription.
type plan struct {
	skip []Run // missed beyond the catch-up bound, oldest first
	work []Run // runs to generate (new ones pending, or retried), oldest first
}

func (s *Scheduler) final(r Run) bool {
	switch r.State {
	case Succeeded, Skipped:
		return true
	case Failed:
		return r.Attempts >= s.opts.MaxAttempts
	}
	return false
}

func (s *Scheduler) plan(sub Subscription, cfg config, now time.Time, latest Window, runs []Run) plan {
	byStart := make(map[int64]Run, len(runs))
	var p plan
	for _, r := range runs {
		byStart[r.Window.Start.UnixNano()] = r
		// Unfinished runs (crash, shutdown, or a failure not yet out of
		// attempts) are retried once due, wherever their window lies, as long
		// as the window still is one of this subscription's periods.
		if !s.final(r) && (r.Manual || !DueAt(r.Window.End, cfg.delay).After(now)) &&
			isPeriodWindow(sub.Period, r.Window, cfg.loc) {
			p.work = append(p.work, r)
		}
	}
	var missing []Window // newest first
	if !latest.End.Before(cfg.first.End) {
		c, _ := containing(sub.Period, latest.Start, cfg.loc)
		for w := latest; !w.Start.Before(cfg.first.Start); {
			if _, ok := byStart[w.Start.UnixNano()]; !ok {
				missing = append(missing, w)
			}
			w = prevWindow(sub.Period, c, w.Start, cfg.loc)
			c, _ = containing(sub.Period, w.Start, cfg.loc)
		}
	}
	for i, w := range missing {
		r := Run{
			SubscriptionID: sub.ID,
			Window:         w,
			ScheduledAt:    DueAt(w.End, cfg.delay),
			State:          Pending,
		}
		if i < s.opts.MaxCatchUp {
			p.work = append(p.work, r)
		} else {
			r.State = Skipped
			r.Error = fmt.Sprintf("missed: more than %d periods were due at once", s.opts.MaxCatchUp)
			r.FinishedAt = now
			p.skip = append(p.skip, r)
		}
	}
	byTime := func(rs []Run) {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Window.Start.Before(rs[j].Window.Start) })
	}
	byTime(p.skip)
	byTime(p.work)
	return p
}

// Tick runs everything due at Clock() and returns after the runs finish.
// Errors of single subscriptions (store failures, invalid configuration) are
// joined; Generate failures are recorded on their runs, not returned.
func (s *Scheduler) Tick(ctx context.Context) error {
	_, err := s.tick(ctx)
	return err
}

// tick returns the earliest next due time of the enabled subscriptions.
func (s *Scheduler) tick(ctx context.Context) (time.Time, error) {
	subs, err := s.store.Subscriptions()
	if err != nil {
		return time.Time{}, fmt.Errorf("schedule: list subscriptions: %w", err)
	}
	var (
		mu   sync.Mutex
		errs []error
		next time.Time
	)
	queue := make(chan Subscription)
	var wg sync.WaitGroup
	for range min(s.opts.Workers, len(subs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sub := range queue {
				n, err := s.tickSub(ctx, sub)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				if !n.IsZero() && (next.IsZero() || n.Before(next)) {
					next = n
				}
				mu.Unlock()
			}
		}()
	}
	for _, sub := range subs {
		if !sub.Enabled {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		queue <- sub
	}
	close(queue)
	wg.Wait()
	s.pruneMarks(subs)
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return next, errors.Join(errs...)
}

// tickSub processes one enabled subscription under its lock.
func (s *Scheduler) tickSub(ctx context.Context, sub Subscription) (next time.Time, err error) {
	unlock, err := s.lock(ctx, sub.ID)
	if err != nil {
		return time.Time{}, err
	}
	defer unlock()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("subscription %s: panic: %v", sub.ID, v)
		}
	}()
	now := s.opts.Clock()
	cfg, cerr := s.resolve(sub)
	if cerr != nil {
		return s.recordConfigError(sub, now, cerr)
	}
	latest := WindowFor(sub.Period, now, cfg.loc, cfg.delay)
	next = nextDue(sub, cfg, latest)
	if s.markCovers(sub.ID, cfg, latest) {
		return next, nil
	}
	runs, err := s.store.Runs(sub.ID)
	if err != nil {
		return next, fmt.Errorf("subscription %s: runs: %w", sub.ID, err)
	}
	p := s.plan(sub, cfg, now, latest, runs)
	// Bookkeeping first: skipped and chosen windows are recorded before any
	// report is generated, so a crash part-way keeps the same choice.
	for _, r := range p.skip {
		if err := s.put(r); err != nil {
			return next, err
		}
	}
	for _, r := range p.work {
		if r.State == Pending && r.Attempts == 0 {
			if err := s.put(r); err != nil {
				return next, err
			}
		}
	}
	for _, r := range p.work {
		if _, err := s.execute(ctx, sub, r, s.opts.MaxAttempts); err != nil {
			return next, err
		}
	}
	if !latest.End.Before(cfg.first.End) {
		s.setMark(sub.ID, cfg, latest.End)
	}
	return next, nil
}

// recordConfigError records a subscription whose time zone cannot be
// loaded as a failed run on the current UTC window (once per window), so
// the problem shows in its history.
func (s *Scheduler) recordConfigError(sub Subscription, now time.Time, cerr error) (time.Time, error) {
	if !sub.Period.Valid() {
		return time.Time{}, cerr // no window can be computed at all
	}
	cfg := s.resolveIn(sub, time.UTC)
	latest := WindowFor(sub.Period, now, time.UTC, cfg.delay)
	next := nextDue(sub, cfg, latest)
	if latest.End.Before(cfg.first.End) {
		return next, cerr
	}
	if _, ok, err := s.store.Run(sub.ID, latest.Start); err != nil {
		return next, errors.Join(cerr, err)
	} else if ok {
		return next, cerr
	}
	r := Run{
		SubscriptionID: sub.ID,
		Window:         latest,
		ScheduledAt:    DueAt(latest.End, cfg.delay),
		State:          Failed,
		Error:          cerr.Error(),
		StartedAt:      now,
		FinishedAt:     now,
	}
	return next, errors.Join(cerr, s.put(r))
}

// put writes a run, turning a panicking store into an error.
func (s *Scheduler) put(r Run) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("put run %s %s: panic: %v", r.SubscriptionID, r.Window, v)
		}
	}()
	if err := s.store.PutRun(r); err != nil {
		return fmt.Errorf("put run %s %s: %w", r.SubscriptionID, r.Window, err)
	}
	return nil
}

// generate calls Generate in a worker slot, turning a panic into an error.
func (s *Scheduler) generate(ctx context.Context, sub Subscription, w Window) (id string, rows int64, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("generate panicked: %v", v)
		}
	}()
	return s.gen(ctx, sub, w)
}

// execute makes attempts at run until it succeeds or has made limit
// attempts. The caller holds the subscription's lock. The returned error is
// a store failure or the end of ctx; a failed Generate is recorded on the run.
func (s *Scheduler) execute(ctx context.Context, sub Subscription, r Run, limit int) (Run, error) {
	for {
		if r.Attempts >= limit {
			r.State = Failed
			if r.Error == "" {
				r.Error = "interrupted"
			}
			r.Error = fmt.Sprintf("%s (gave up after %d attempts)", r.Error, r.Attempts)
			r.FinishedAt = s.opts.Clock()
			return r, s.put(r)
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return r, ctx.Err()
		}
		r.State = Running
		r.Attempts++
		r.StartedAt = s.opts.Clock()
		r.FinishedAt = time.Time{}
		r.Error = ""
		if err := s.put(r); err != nil {
			<-s.slots
			return r, err
		}
		id, rows, gerr := s.generate(ctx, sub, r.Window)
		<-s.slots
		r.FinishedAt = s.opts.Clock()
		if gerr == nil {
			r.State, r.ReportID, r.Rows = Succeeded, id, rows
			return r, s.put(r)
		}
		r.Error = gerr.Error()
		if err := ctx.Err(); err != nil {
			// Shutdown, not a failure of the run: retried on the next start.
			r.State = Pending
			return r, errors.Join(err, s.put(r))
		}
		r.State = Failed
		if err := s.put(r); err != nil {
			return r, err
		}
		if r.Attempts >= limit {
			return r, nil
		}
		s.opts.Sleep(ctx, time.Duration(r.Attempts)*s.opts.RetryBackoff)
		if err := ctx.Err(); err != nil {
			return r, err // stays failed with attempts left: retried on the next tick
		}
	}
}

// RunNow runs the latest complete period of sub now (the period a run
// scheduled now would cover, the ingestion delay included), marked Manual.
// It is still exactly once per window: a window already succeeded or
// skipped is returned as it is. A run that fails is returned together with
// an error. Paused subscriptions may be run now.
func (s *Scheduler) RunNow(ctx context.Context, sub Subscription) (Run, error) {
	cfg, err := s.resolve(sub)
	if err != nil {
		return Run{}, err
	}
	now := s.opts.Clock()
	w := WindowFor(sub.Period, now, cfg.loc, cfg.delay)
	unlock, err := s.lock(ctx, sub.ID)
	if err != nil {
		return Run{}, err
	}
	defer unlock()
	defer s.dropMark(sub.ID) // the run may be left unfinished: rescan on the next tick
	r, ok, err := s.store.Run(sub.ID, w.Start)
	if err != nil {
		return Run{}, fmt.Errorf("subscription %s: %w", sub.ID, err)
	}
	limit := s.opts.MaxAttempts
	switch {
	case !ok:
		r = Run{SubscriptionID: sub.ID, Window: w, ScheduledAt: now, State: Pending, Manual: true}
	case r.State == Succeeded || r.State == Skipped:
		return r, nil
	case r.Attempts >= limit:
		limit = r.Attempts + s.opts.MaxAttempts // a manual retry of a failed run
	}
	r, err = s.execute(ctx, sub, r, limit)
	if err == nil && r.State != Succeeded {
		err = fmt.Errorf("subscription %s: run %s failed: %s", sub.ID, r.Window, r.Error)
	}
	return r, err
}

// Recover is called at start-up: runs left "running" by a crash are
// generated again (Generate is idempotent, so a report already written is
// found, not duplicated) or failed once out of attempts. Runs of paused
// subscriptions are set back to pending and retried on resume.
func (s *Scheduler) Recover(ctx context.Context) error {
	subs, err := s.store.Subscriptions()
	if err != nil {
		return fmt.Errorf("schedule: list subscriptions: %w", err)
	}
	var errs []error
	for _, sub := range subs {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := s.recoverSub(ctx, sub); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Scheduler) recoverSub(ctx context.Context, sub Subscription) (err error) {
	unlock, err := s.lock(ctx, sub.ID)
	if err != nil {
		return err
	}
	defer unlock()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("subscription %s: panic: %v", sub.ID, v)
		}
	}()
	s.dropMark(sub.ID)
	runs, err := s.store.Runs(sub.ID)
	if err != nil {
		return fmt.Errorf("subscription %s: runs: %w", sub.ID, err)
	}
	var stale []Run
	for _, r := range runs {
		if r.State == Running {
			stale = append(stale, r)
		}
	}
	sort.Slice(stale, func(i, j int) bool { return stale[i].Window.Start.Before(stale[j].Window.Start) })
	for _, r := range stale {
		switch {
		case r.Attempts >= s.opts.MaxAttempts:
			r.Error = "interrupted by a restart"
			_, err = s.execute(ctx, sub, r, s.opts.MaxAttempts) // records failed
		case !sub.Enabled:
			r.State, r.Error = Pending, "interrupted by a restart; retried on resume"
			err = s.put(r)
		default:
			if _, cerr := s.resolve(sub); cerr != nil {
				r.State, r.Error, r.FinishedAt = Failed, cerr.Error(), s.opts.Clock()
				err = s.put(r)
			} else {
				_, err = s.execute(ctx, sub, r, s.opts.MaxAttempts)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Loop calls Tick, then sleeps until the next due time (at most MaxSleep,
// or until Wake), until ctx ends; it then returns ctx.Err(). Errors of a
// tick go to OnError and the loop goes on.
func (s *Scheduler) Loop(ctx context.Context) error {
	wake := s.opts.Wake
	for {
		next, err := s.tick(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d := s.opts.MaxSleep
		if !next.IsZero() {
			d = min(d, next.Sub(s.opts.Clock()))
		}
		if err != nil {
			if s.opts.OnError != nil {
				s.opts.OnError(err)
			}
			d = max(d, min(s.opts.MaxSleep, 5*s.opts.RetryBackoff)) // no hot loop on a failing store
		}
		d = max(d, 0)
		if !s.sleep(ctx, d, &wake) {
			return ctx.Err()
		}
	}
}

// sleep waits for d, a wake-up or the end of ctx; false only when ctx ended.
func (s *Scheduler) sleep(ctx context.Context, d time.Duration, wake *<-chan struct{}) bool {
	if *wake == nil {
		s.opts.Sleep(ctx, d)
		return ctx.Err() == nil
	}
	sctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	closed := false
	go func() {
		defer close(stopped)
		select {
		case _, ok := <-*wake:
			closed = !ok
			cancel()
		case <-sctx.Done():
		}
	}()
	s.opts.Sleep(sctx, d)
	cancel()
	<-stopped
	if closed {
		*wake = nil // a closed channel would wake us forever
	}
	return ctx.Err() == nil
}
