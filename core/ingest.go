package core

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fastjson"
)

// DefaultBatchSize is the number of events per durable write: one block.
const DefaultBatchSize = 4096

// IngestOptions tunes one ingest run.
type IngestOptions struct {
	BatchSize   int            // events per durable batch; DefaultBatchSize when 0
	MaxProblems int            // skipped lines reported in detail; 20 when 0
	OnBatch     func(BatchAck) // called after each batch is durable
}

// BatchAck acknowledges one durable batch: once it is reported, the events of
// lines up to LastLine survive a crash, of the process or of the machine.
type BatchAck struct {
	Batch     int
	LastLine  int
	Events    int
	BytesRead int64 // input bytes consumed so far (compressed bytes for gzip)
	Result    BatchResult
}

// Problem is one skipped input record.
type Problem struct {
	Line   int    // 1-based line number in the (decompressed) input
	Item   int    // 1-based index inside a page's items, 0 for a plain line
	Reason string // why it was skipped
}

func (p Problem) String() string {
	if p.Item > 0 {
		return fmt.Sprintf("line %d item %d: %s", p.Line, p.Item, p.Reason)
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
}

// IngestReport sums up an ingest run.
type IngestReport struct {
	Ingested  int
	Updated   int
	Unchanged int
	Skipped   int
	Problems  []Problem // the first MaxProblems skipped records
	BytesRead int64
	Lines     int
}

// Ingest reads NDJSON activity items or Cloudlock pages ({limit, offset,
// total, results, items}), plain or gzip, and stores them in durable
// batches. A bad record is skipped and reported; it never aborts the others.
// The returned report is valid even when an error stopped the run early.
func (e *Engine) Ingest(ctx context.Context, r io.Reader, opts IngestOptions) (IngestReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 20
	}
	counter := &countingReader{r: r}
	in, err := decompress(counter)
	if err != nil {
		return IngestReport{}, err
	}
	br := bufio.NewReaderSize(in, MaxEventBytes+1)
	ing := &ingestRun{e: e, ctx: ctx, opts: opts, counter: counter, release: func(*lineChunk) {}}
	ing.startWriter()
	if documentMode(br) {
		err = ing.readDocument(br)
	} else {
		err = ing.readLines(br)
	}
	if err == nil {
		err = ing.flush()
	}
	if werr := ing.finish(); err == nil {
		err = werr
	}
	ing.rep.BytesRead = counter.n.Load()
	return ing.rep, err
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// documentMode tells a pretty-printed JSON document (a page or an array
// spread over lines) from NDJSON by the shape of its first non-blank line.
func documentMode(br *bufio.Reader) bool {
	// Peek far enough to see the whole first line: a long NDJSON line must
	// not look like the first line of a pretty-printed document.
	head, _ := br.Peek(MaxEventBytes)
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(head) == 0 {
		return false
	}
	if head[0] == '[' {
		return true
	}
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	line = bytes.TrimRight(line, " \t\r")
	if len(line) == 0 || line[0] != '{' {
		return false
	}
	last := line[len(line)-1]
	return len(line) == 1 || last == ',' || last == '[' || last == '{' || last == ':'
}

type ingestRun struct {
	e       *Engine
	ctx     context.Context
	opts    IngestOptions
	counter *countingReader
	rep     IngestReport

	batch      []IngestRecord
	lastLine   int
	hold       []*lineChunk // chunks whose bytes the pending batch references
	release    func(*lineChunk)
	writes     chan writtenBatch
	free       chan []IngestRecord
	writerDone chan struct{}
	writeErr   atomic.Pointer[error]
	batchNo    int // owned by the writer goroutine
	unsynced   []BatchAck
	lastSync   time.Time
}

func (ing *ingestRun) problem(p Problem) {
	ing.rep.Skipped++
	if len(ing.rep.Problems) < ing.opts.MaxProblems {
		ing.rep.Problems = append(ing.rep.Problems, p)
	}
}

func (ing *ingestRun) add(rec IngestRecord, line int) error {
	ing.batch = append(ing.batch, rec)
	ing.lastLine = line
	if len(ing.batch) >= ing.opts.BatchSize {
		return ing.flush()
	}
	return nil
}

// writtenBatch is a batch on its way to the writer goroutine, with the
// input chunks its records point into.
type writtenBatch struct {
	recs     []IngestRecord
	lastLine int
	hold     []*lineChunk
}

// startWriter runs store writes in their own goroutine, so parsing the next
// batch overlaps with encoding and committing this one.
func (ing *ingestRun) startWriter() {
	ing.writes = make(chan writtenBatch, 1)
	ing.free = make(chan []IngestRecord, 3)
	ing.writerDone = make(chan struct{})
	ing.lastSync = time.Now()
	go func() {
		defer close(ing.writerDone)
		defer ing.syncAndAck() // the tail of the input
		for b := range ing.writes {
			if ing.writeErr.Load() == nil {
				ing.write(b)
			}
			for _, c := range b.hold {
				ing.release(c)
			}
			clear(b.recs)
			select {
			case ing.free <- b.recs[:0]:
			default:
			}
		}
	}()
}

func (ing *ingestRun) write(b writtenBatch) {
	res, err := ing.e.events.WriteBatch(ing.ctx, Batch{Records: b.recs, Usage: CountConsumption})
	if err != nil {
		err = fmt.Errorf("write batch ending at line %d: %w", b.lastLine, err)
		ing.writeErr.CompareAndSwap(nil, &err)
		return
	}
	ing.batchNo++
	ing.rep.Ingested += res.Inserted
	ing.rep.Updated += res.Updated
	ing.rep.Unchanged += res.Unchanged
	if res.Inserted+res.Updated > 0 {
		ing.e.publish(ChangeActivities, "")
	}
	ing.unsynced = append(ing.unsynced, BatchAck{Batch: ing.batchNo, LastLine: b.lastLine, Events: len(b.recs), BytesRead: ing.counter.n.Load(), Result: res})
	// Group commit: one fsync covers the batches of the last quarter second;
	// they are acknowledged only once it returns.
	if time.Since(ing.lastSync) >= syncEvery {
		ing.syncAndAck()
	}
}

const syncEvery = 250 * time.Millisecond

func (ing *ingestRun) syncAndAck() {
	if len(ing.unsynced) == 0 {
		return
	}
	if err := ing.e.events.Sync(); err != nil {
		ing.writeErr.CompareAndSwap(nil, &err)
		return
	}
	ing.lastSync = time.Now()
	if ing.opts.OnBatch != nil {
		for _, a := range ing.unsynced {
			ing.opts.OnBatch(a)
		}
	}
	ing.unsynced = ing.unsynced[:0]
}

// flush hands the pending batch to the writer.
func (ing *ingestRun) flush() error {
	if e := ing.writeErr.Load(); e != nil {
		return *e
	}
	if err := ing.ctx.Err(); err != nil {
		return err
	}
	if len(ing.batch) == 0 && len(ing.hold) == 0 {
		return nil
	}
	ing.writes <- writtenBatch{recs: ing.batch, lastLine: ing.lastLine, hold: ing.hold}
	ing.hold = nil
	select {
	case ing.batch = <-ing.free:
	default:
		ing.batch = make([]IngestRecord, 0, ing.opts.BatchSize)
	}
	return nil
}

// finish waits for the writer and reports its first error.
func (ing *ingestRun) finish() error {
	close(ing.writes)
	<-ing.writerDone
	if e := ing.writeErr.Load(); e != nil {
		return *e
	}
	return nil
}

// lineChunk is a run of input lines parsed by one worker.
type lineChunk struct {
	seq       int
	buf       []byte
	lines     []inputLine
	recs      []IngestRecord
	recLines  []int
	problems  []Problem
	extractor *FieldExtractor
}

type inputLine struct {
	no      int
	start   int // offsets into buf
	end     int
	tooLong int64 // > 0: the line was this long and was discarded
}

const chunkBytes = 1 << 20

// readLines runs the NDJSON pipeline: one reader, parallel extractors, and
// this goroutine writing batches in input order.
func (ing *ingestRun) readLines(br *bufio.Reader) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	pool := &sync.Pool{New: func() any { return &lineChunk{buf: make([]byte, 0, chunkBytes+64<<10)} }}
	ing.release = func(c *lineChunk) { pool.Put(c) }

	ctx, cancel := context.WithCancel(ing.ctx)
	defer cancel()
	todo := make(chan *lineChunk, workers*2)
	done := make(chan *lineChunk, workers*2)
	var readErr error
	go func() {
		defer close(todo)
		readErr = readChunks(ctx, br, pool, todo)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := &FieldExtractor{}
			for c := range todo {
				c.extractor = x
				c.extract()
				select {
				case done <- c:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	pending := map[int]*lineChunk{}
	next := 0
	var err error
	for c := range done {
		if err != nil {
			continue // drain
		}
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err = ing.consume(c); err != nil {
				cancel()
				break
			}
		}
	}
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	return ing.ctx.Err()
}

func (ing *ingestRun) consume(c *lineChunk) error {
	pi := 0
	// c joins the held chunks only after its records are queued: a flush in
	// the middle of c must not hand c's bytes back to the reader.
	defer func() { ing.hold = append(ing.hold, c) }()
	for i, rec := range c.recs {
		line := c.recLines[i]
		for pi < len(c.problems) && c.problems[pi].Line < line {
			ing.problem(c.problems[pi])
			pi++
		}
		if err := ing.add(rec, line); err != nil {
			return err
		}
	}
	for ; pi < len(c.problems); pi++ {
		ing.problem(c.problems[pi])
	}
	if len(c.lines) > 0 {
		ing.rep.Lines = c.lines[len(c.lines)-1].no
	}
	return nil
}

func readChunks(ctx context.Context, br *bufio.Reader, pool *sync.Pool, out chan<- *lineChunk) error {
	lineNo := 0
	seq := 0
	c := newChunk(pool, seq)
	send := func() bool {
		select {
		case out <- c:
			seq++
			c = newChunk(pool, seq)
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 || err == bufio.ErrBufferFull {
			lineNo++
			if err == bufio.ErrBufferFull {
				n := int64(len(line))
				for err == bufio.ErrBufferFull {
					line, err = br.ReadSlice('\n')
					n += int64(len(line))
				}
				c.lines = append(c.lines, inputLine{no: lineNo, tooLong: n})
			} else {
				start := len(c.buf)
				c.buf = append(c.buf, line...)
				c.lines = append(c.lines, inputLine{no: lineNo, start: start, end: len(c.buf)})
			}
			if len(c.buf) >= chunkBytes || len(c.lines) >= 8192 {
				if !send() {
					return ctx.Err()
				}
			}
		}
		if err != nil {
			if len(c.lines) > 0 {
				if !send() {
					return ctx.Err()
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read input at line %d: %w", lineNo, err)
		}
	}
}

func newChunk(pool *sync.Pool, seq int) *lineChunk {
	c := pool.Get().(*lineChunk)
	c.seq = seq
	c.buf = c.buf[:0]
	c.lines = c.lines[:0]
	clear(c.recs)
	c.recs = c.recs[:0]
	c.recLines = c.recLines[:0]
	c.problems = c.problems[:0]
	return c
}

var pageItemsKey = []byte(`"items"`)

func (c *lineChunk) extract() {
	for _, l := range c.lines {
		if l.tooLong > 0 {
			c.problems = append(c.problems, Problem{Line: l.no, Reason: fmt.Sprintf("line is %d bytes, over the %d-byte limit for one event", l.tooLong, MaxEventBytes)})
			continue
		}
		raw := bytes.TrimSpace(c.buf[l.start:l.end])
		if len(raw) == 0 {
			continue
		}
		f, err := c.extractor.ExtractNew(raw)
		if err != nil {
			// Only a line that is not an event can be a page on one line.
			if bytes.Contains(raw, pageItemsKey) && c.expandPage(raw, l.no) {
				continue
			}
			c.problems = append(c.problems, Problem{Line: l.no, Reason: err.Error()})
			continue
		}
		c.recs = append(c.recs, IngestRecord{Fields: f, Raw: raw})
		c.recLines = append(c.recLines, l.no)
	}
}

// expandPage handles a Cloudlock page on one line. It reports false when
// raw is not a page (an event that merely mentions "items").
func (c *lineChunk) expandPage(raw []byte, line int) bool {
	var p fastjson.Parser
	v, err := p.ParseBytes(raw)
	if err != nil || v.Type() != fastjson.TypeObject || v.Get("event_id") != nil {
		return false
	}
	items := v.Get("items")
	if items == nil || items.Type() != fastjson.TypeArray {
		return false
	}
	arr, _ := items.Array()
	for i, it := range arr {
		b := it.MarshalTo(nil)
		f, err := c.extractor.ExtractNew(b)
		if err != nil {
			c.problems = append(c.problems, Problem{Line: line, Item: i + 1, Reason: err.Error()})
			continue
		}
		c.recs = append(c.recs, IngestRecord{Fields: f, Raw: b})
		c.recLines = append(c.recLines, line)
	}
	return true
}

// readDocument streams a pretty-printed page, a JSON array of items, or a
// sequence of such values, without holding more than one item at a time.
func (ing *ingestRun) readDocument(br *bufio.Reader) error {
	lr := &lineCounter{r: br, line: 1}
	dec := json.NewDecoder(lr)
	x := &FieldExtractor{}
	item := 0
	handle := func(raw json.RawMessage, line int) error {
		item++
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			ing.problem(Problem{Line: line, Item: item, Reason: "invalid JSON: " + err.Error()})
			return nil
		}
		b := buf.Bytes()
		f, err := x.ExtractNew(b)
		if err != nil {
			ing.problem(Problem{Line: line, Item: item, Reason: err.Error()})
			return nil
		}
		return ing.add(IngestRecord{Fields: f, Raw: b}, line)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "invalid JSON document: " + err.Error()})
			return nil
		}
		switch tok {
		case json.Delim('['):
			if ok, err := ing.streamArray(dec, lr, handle); !ok || err != nil {
				return err
			}
		case json.Delim('{'):
			if err := ing.readObject(dec, lr, handle); err != nil {
				return err
			}
		default:
			ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: fmt.Sprintf("expected a JSON object or array, found %v", tok)})
			return nil
		}
	}
}

// streamArray hands each element of an array whose '[' was consumed to
// handle, then consumes the ']'. ok is false when a broken document ended the
// run (the problem is recorded).
func (ing *ingestRun) streamArray(dec *json.Decoder, lr *lineCounter, handle func(json.RawMessage, int) error) (ok bool, err error) {
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "invalid JSON: " + err.Error()})
			return false, nil
		}
		if err := handle(raw, lr.lineAt(dec.InputOffset()-int64(len(raw)))); err != nil {
			return false, err
		}
	}
	if _, err := dec.Token(); err != nil {
		ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "invalid JSON document: " + err.Error()})
		return false, nil
	}
	return true, nil
}

// readObject reads the members of an object whose '{' was consumed: a page's
// items are streamed; an object without items is one pretty-printed event.
func (ing *ingestRun) readObject(dec *json.Decoder, lr *lineCounter, handle func(json.RawMessage, int) error) error {
	startLine := lr.lineAt(dec.InputOffset())
	var members bytes.Buffer
	members.WriteByte('{')
	isPage := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "invalid JSON document: " + err.Error()})
			return nil
		}
		key, _ := kt.(string)
		if key == "items" && !isPage {
			t, err := dec.Token()
			if err != nil || t != json.Delim('[') {
				ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "page items must be an array"})
				return nil
			}
			isPage = true
			if ok, err := ing.streamArray(dec, lr, handle); !ok || err != nil {
				return err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "invalid JSON: " + err.Error()})
			return nil
		}
		if !isPage {
			if members.Len() > 1 {
				members.WriteByte(',')
			}
			kb, _ := json.Marshal(key)
			members.Write(kb)
			members.WriteByte(':')
			members.Write(raw)
			if members.Len() > MaxEventBytes {
				ing.problem(Problem{Line: startLine, Reason: fmt.Sprintf("object is over the %d-byte limit for one event", MaxEventBytes)})
				return nil
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		ing.problem(Problem{Line: lr.lineAt(dec.InputOffset()), Reason: "invalid JSON document: " + err.Error()})
		return nil
	}
	if isPage {
		return nil
	}
	members.WriteByte('}')
	return handle(members.Bytes(), startLine)
}

// lineCounter remembers where lines start so decoder offsets map to line numbers.
type lineCounter struct {
	r      io.Reader
	off    int64
	line   int
	starts []int64 // offsets of line starts after the first, kept while small
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			l.starts = append(l.starts, l.off+int64(i)+1)
		}
	}
	l.off += int64(n)
	return n, err
}

// lineAt returns the 1-based line of a byte offset; offsets only grow, so
// line starts before it can be forgotten.
func (l *lineCounter) lineAt(off int64) int {
	i := 0
	for i < len(l.starts) && l.starts[i] <= off {
		i++
	}
	l.line += i
	l.starts = l.starts[i:]
	return l.line
}
