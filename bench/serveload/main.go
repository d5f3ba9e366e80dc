// Command serveload puts a bounded load on a running `auditdeck serve` over
// loopback: N concurrent SSH dashboard sessions that page and filter, plus a
// fixed rate of HTTP API requests, for a fixed time. It prints API latency
// percentiles, errors, and the daemon's memory and CPU (read from /proc).
// bench/serve-load.sh sets up the daemon and runs it.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

func main() {
	sshAddr := flag.String("ssh", "127.0.0.1:2222", "SSH address of serve")
	httpURL := flag.String("http", "http://127.0.0.1:8080", "HTTP API base URL of serve")
	keyFile := flag.String("key", "", "private key file of a user in the users file")
	token := flag.String("token", "", "API token")
	sessions := flag.Int("sessions", 50, "concurrent SSH sessions")
	rate := flag.Int("rate", 200, "API requests per second")
	dur := flag.Duration("duration", 60*time.Second, "how long to run")
	pid := flag.Int("pid", 0, "pid of serve, for memory and CPU")
	flag.Parse()
	if err := run(*sshAddr, *httpURL, *keyFile, *token, *sessions, *rate, *dur, *pid); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run(sshAddr, base, keyFile, token string, sessions, rate int, dur time.Duration, pid int) error {
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	rssBefore := rssKiB(pid)
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var sshErrs, sshKeys atomic.Int64
	var wg sync.WaitGroup
	started := make(chan error, sessions)
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := session(ctx, sshAddr, signer, i, started, &sshKeys); err != nil && ctx.Err() == nil {
				sshErrs.Add(1)
				fmt.Fprintln(os.Stderr, "ssh session:", err)
			}
		}()
	}
	for range sessions {
		if err := <-started; err != nil {
			return fmt.Errorf("start session: %w", err)
		}
	}
	time.Sleep(2 * time.Second) // let every dashboard draw its first page
	rssSessions := rssKiB(pid)
	cpu0, t0 := cpuTicks(pid), time.Now()

	filters := []string{"", "event_type.eq(login)", "operation_successful.eq(false)", "extra.auth.is_suspicious", "client_location.country.code.in(RU,CN)", "created_at.ge(-7d)", "vendor.name.eq(google),event_type.eq(login)"}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var mu sync.Mutex
	var lat []time.Duration
	var apiErrs atomic.Int64
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var reqs sync.WaitGroup
	n := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		q := url.Values{"limit": {"50"}, "offset": {strconv.Itoa((n % 20) * 50)}}
		if f := filters[n%len(filters)]; f != "" {
			q.Set("filter", f)
		}
		n++
		reqs.Add(1)
		go func() {
			defer reqs.Done()
			req, _ := http.NewRequest("GET", base+"/activities?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			s := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				apiErrs.Add(1)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d := time.Since(s)
			if resp.StatusCode != 200 {
				apiErrs.Add(1)
				return
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}()
	}
	reqs.Wait()
	elapsed := time.Since(t0)
	cpu1 := cpuTicks(pid)
	rssEnd := rssKiB(pid)
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf("duration %s, %d SSH sessions (%d keys sent), %d API requests (%.0f/s)\n", elapsed.Round(time.Second), sessions, sshKeys.Load(), n, float64(n)/elapsed.Seconds())
	fmt.Printf("errors: ssh %d, api %d\n", sshErrs.Load(), apiErrs.Load())
	fmt.Printf("api latency: p50 %s, p90 %s, p99 %s, max %s\n", pct(0.50), pct(0.90), pct(0.99), pct(1))
	if pid > 0 {
		fmt.Printf("serve RSS: %d MiB before, %d MiB with sessions (%.1f MiB per session), %d MiB at the end\n",
			rssBefore/1024, rssSessions/1024, float64(rssSessions-rssBefore)/1024/float64(sessions), rssEnd/1024)
		fmt.Printf("serve CPU: %.2f cores on average under load\n", float64(cpu1-cpu0)/100/elapsed.Seconds())
	}
	if sshErrs.Load()+apiErrs.Load() > 0 {
		return fmt.Errorf("%d errors", sshErrs.Load()+apiErrs.Load())
	}
	return nil
}

// session is one operator on the dashboard: it pages down and toggles
// filters every few hundred milliseconds until ctx ends.
func session(ctx context.Context, addr string, signer ssh.Signer, i int, started chan<- error, keys *atomic.Int64) error {
	cfg := &ssh.ClientConfig{User: "load", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	c, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		started <- err
		return err
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		started <- err
		return err
	}
	defer s.Close()
	if err := s.RequestPty("xterm-256color", 40, 140, ssh.TerminalModes{}); err != nil {
		started <- err
		return err
	}
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	var screen lockedBuffer
	go io.Copy(&screen, out)
	if err := s.Shell(); err != nil {
		started <- err
		return err
	}
	started <- nil
	actions := []string{"\x1b[6~", "\x1b[6~", "f", "\x1b[6~", "s", "u", "\x1b[5~", "/event_type.eq(login)\r", "\x1b[6~", "/\x15\r"}
	t := time.NewTicker(time.Duration(300+i*7) * time.Millisecond)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			in.Write([]byte("q"))
			return nil
		case <-t.C:
		}
		if _, err := in.Write([]byte(actions[n%len(actions)])); err != nil {
			return fmt.Errorf("session %d: write: %w", i, err)
		}
		keys.Add(1)
		if screen.Len() == 0 && n > 10 {
			return fmt.Errorf("session %d: no output after %d keys", i, n)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	n  int
}

// Write keeps only the count: the screens themselves are not needed.
func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.n += len(p)
	l.mu.Unlock()
	return len(p), nil
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func rssKiB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func cpuTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}
