package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/query"
	"github.com/auditdeck/auditdeck/store"
)

func main() {
	if pf := os.Getenv("CPUPROF"); pf != "" {
		f, _ := os.Create(pf)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	s, err := store.Open(store.Options{Dir: os.Args[1]})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	eng := core.NewEngine(s, s)
	ctx := context.Background()
	for _, dsl := range os.Args[2:] {
		f, err := query.ParseDSL(dsl)
		if err != nil {
			panic(err)
		}
		c, err := eng.Compile(f)
		if err != nil {
			panic(err)
		}
		best := time.Hour
		var n int64
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			// a fresh compile each time: the result cache keys on the filter
			f2 := query.Filter{Terms: append(append([]query.Term{}, f.Terms...), query.Term{Field: "created_at", Op: query.OpGe, Args: []string{fmt.Sprintf("2000-01-01T00:00:%02dZ", i)}})}
			c2, _ := eng.Compile(f2)
			_ = c
			n, err = s.Count(ctx, c2)
			if err != nil {
				panic(err)
			}
			best = min(best, time.Since(t0))
		}
		fmt.Printf("%-60s %8d  %v\n", dsl, n, best)
	}
}
