package store

import (
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"strconv"

	"github.com/auditdeck/auditdeck/core"
)

var columnNames = [numColumns]string{"time", "event id", "id hash", "event type", "user", "client ip", "vendor", "service",
	"country", "successful", "suspicious", "row commits"}

// describeKey names what a key holds, for errors about damaged data.
func describeKey(k []byte) string {
	if len(k) == 0 {
		return "empty key"
	}
	seq := func() string {
		if len(k) < 9 {
			return "?"
		}
		return strconv.FormatUint(binary.BigEndian.Uint64(k[1:9]), 10)
	}
	switch k[0] {
	case prefixHeader:
		return "block " + seq() + " header"
	case prefixBlooms:
		return "block " + seq() + " bloom filters"
	case prefixColumn:
		if len(k) == 10 && int(k[9]) < len(columnNames) {
			return "block " + seq() + " column " + columnNames[k[9]]
		}
	case prefixChunk:
		if len(k) == 13 {
			return "block " + seq() + " chunk " + strconv.FormatUint(uint64(binary.BigEndian.Uint32(k[9:])), 10)
		}
	case prefixDeleted:
		return "block " + seq() + " deleted rows"
	case prefixFieldDir:
		return "block " + seq() + " field directory"
	case prefixFieldColumn:
		if len(k) >= 9 {
			return fmt.Sprintf("block %s field column %q", seq(), k[9:])
		}
	case prefixTriage:
		return fmt.Sprintf("triage record %q", k[1:])
	case prefixAudit:
		return "audit entry"
	case prefixPostingDir:
		return "posting index directory entry"
	case prefixPostingPage:
		return "posting index page"
	case prefixConsumption:
		return "consumption counter"
	case prefixObject:
		return fmt.Sprintf("object %q", k[1:])
	}
	return fmt.Sprintf("key %x", k)
}

// callerPanic carries a panic of a caller's callback through the store's
// recovery untouched: only the store's own reads mean damaged data.
type callerPanic struct{ v any }

func guardCallback[T any](fn func(T) error) func(T) error {
	return func(a T) error {
		defer func() {
			if v := recover(); v != nil {
				panic(callerPanic{v})
			}
		}()
		return fn(a)
	}
}

// recoverDamage turns a panic while reading stored data (Badger's table
// reads, decoding a block) into an error wrapping core.ErrDamaged, so one
// damaged block fails the request that reads it and not the process. what
// names the operation; at, when set, the last key read.
func (s *Store) recoverDamage(what string, at *[]byte, err *error) {
	v := recover()
	if v == nil {
		return
	}
	if cp, ok := v.(callerPanic); ok {
		panic(cp.v)
	}
	where := ""
	if at != nil && *at != nil {
		where = " at " + describeKey(*at)
	}
	s.opts.Logger.Error("damaged store data", "while", what, "at", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	*err = fmt.Errorf("%s%s: %w (%v)", what, where, core.ErrDamaged, v)
}
