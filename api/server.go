package api

import (
	"net/http"
	"time"
)

// Server limits. Bodies are small JSON documents; responses that stream
// (activity pages, report downloads) push the write deadline forward by
// streamWindow while they make progress, so WriteTimeout bounds a stalled
// client, not a large file.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	streamWindow      = 60 * time.Second
)

// NewServer wraps the API handler in an http.Server with timeouts and a
// header size limit; the caller runs ListenAndServe (or Serve) and Shutdown.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// extendWrite moves the write deadline of a streaming response forward.
// Writers that cannot set deadlines (tests' recorders) need none.
func extendWrite(rc *http.ResponseController) {
	_ = rc.SetWriteDeadline(time.Now().Add(streamWindow))
}
