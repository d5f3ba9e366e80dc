// Package synthetic generates deterministic Cloudlock-shaped activity events
// (the item of Cloudlock's GET /activities) for demos, tests and benchmarks.
//
// Write emits NDJSON, one event per line, oldest first, with the seed's keys
// in the seed's order. Events come from three vendors, each with the raw
// record shaped like that vendor's own audit log: google (services auth,
// drive, admin; an Admin SDK Reports activity as in the Cloudlock seed; about
// 75% of events), aws (CloudTrail, iam, s3; a CloudTrail record; about 5%)
// and microsoft365 (AzureActiveDirectory, Exchange, SharePoint; an Office 365
// Management Activity record; about 20%). Events average about 1.15 KB:
// Google ones 1.05-1.2 KB like the seed's, the more verbose Microsoft and AWS
// records 1.3-1.6 KB. Strings include non-ASCII names, apostrophes, quotes,
// backslashes and \r\n (JSON-escaped) so that consumers' escaping is
// exercised. The top-level user_agent is set on sign-ins only.
//
// The data set: about half the events are logins, 6% user_settings, the rest
// other; about 8% of logins fail and 1.5% are flagged suspicious (those come
// from unusual countries, with odd user agents, at the user's off-hours).
// Users (5,000 by default) belong to five organisations, each with a home
// country, two or three IPs and a few devices; timestamps follow working
// hours in each user's time zone, with quieter weekends.
//
// Output depends only on Options: the same Events, Seed, End, Days and Users
// give byte-identical output, whatever GOMAXPROCS is. Generation is parallel
// (chunks of 4096 events, written in order) and needs no encoding/json or fmt.
package synthetic

import (
	"io"
	"runtime"
	"sync"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultDays  = 90
	DefaultUsers = 5000
)

// Options say what Write generates.
type Options struct {
	Events int       // number of events; <= 0 writes nothing
	Seed   int64     // same Seed + End + Days + Users (+ Events) => byte-identical output
	End    time.Time // window end; zero means now, truncated to the minute (not reproducible)
	Days   int       // window length in days, default 90
	Users  int       // number of distinct users, default 5000
}

func (o Options) withDefaults() Options {
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Users <= 0 {
		o.Users = DefaultUsers
	}
	if o.End.IsZero() {
		o.End = time.Now().UTC().Truncate(time.Minute)
	}
	return o
}

// chunkSize is the number of events one goroutine generates at a time. It is
// part of the output's definition (each chunk has its own random stream), so
// changing it changes the output.
const chunkSize = 4096

// Write writes o.Events events to w as NDJSON (one event per line, '\n'
// terminated), in chronological order (oldest first; equal seconds may
// repeat), every created_at strictly after End minus Days and at or before
// End, at whole seconds. The first error from w is returned.
func Write(w io.Writer, o Options) error {
	o = o.withDefaults()
	if o.Events <= 0 {
		return nil
	}
	wd := newWorld(o)
	n := o.Events
	nChunks := (n + chunkSize - 1) / chunkSize
	bounds := func(c int) (int, int) { return c * chunkSize, min((c+1)*chunkSize, n) }

	workers := min(runtime.GOMAXPROCS(0), nChunks)
	if workers <= 1 {
		g := &gen{w: wd}
		for c := 0; c < nChunks; c++ {
			a, b := bounds(c)
			g.buf = g.buf[:0]
			g.chunk(c, a, b, n)
			if _, err := w.Write(g.buf); err != nil {
				return err
			}
		}
		return nil
	}

	type job struct {
		c    int
		buf  []byte
		done chan struct{}
	}
	var (
		stop  = make(chan struct{})
		jobs  = make(chan *job, 2*workers)
		order = make(chan *job, 2*workers)
		free  = make(chan []byte, 4*workers)
		wg    sync.WaitGroup
	)
	go func() { // producer: hands out chunks in order
		defer close(order)
		defer close(jobs)
		for c := 0; c < nChunks; c++ {
			j := &job{c: c, done: make(chan struct{})}
			select {
			case order <- j:
			case <-stop:
				return
			}
			jobs <- j
		}
	}()
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := &gen{w: wd}
			for j := range jobs {
				select {
				case g.buf = <-free:
					g.buf = g.buf[:0]
				default:
					g.buf = make([]byte, 0, chunkSize*1300)
				}
				a, b := bounds(j.c)
				g.chunk(j.c, a, b, n)
				j.buf, g.buf = g.buf, nil
				close(j.done)
			}
		}()
	}
	var err error
	for j := range order { // writer: in chunk order
		<-j.done
		if err == nil {
			if _, err = w.Write(j.buf); err != nil {
				close(stop)
			}
		}
		select {
		case free <- j.buf:
		default:
		}
		j.buf = nil
	}
	wg.Wait()
	return err
}
