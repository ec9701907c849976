package audit

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// A crash point stops the process with SIGKILL at an exact place of the
// log's life, for the kill -9 tests that run the command line as a child
// process: AXIUM2CRM_CRASH_AT=log-before:N kills it just before the Nth
// write of log entries reaches the warehouse (the entries are lost with
// the process), log-after:N just after that write committed (its caller
// never hears of it). Unset, it costs one atomic add a write.
var (
	crashWhere = ""
	crashAt    = int64(-1)
	logWrites  atomic.Int64
)

func init() {
	where, n, ok := strings.Cut(os.Getenv("AXIUM2CRM_CRASH_AT"), ":")
	if !ok {
		return
	}
	if v, err := strconv.ParseInt(n, 10, 64); err == nil && v > 0 && (where == "log-before" || where == "log-after") {
		crashWhere, crashAt = where, v
	}
}

// crashPoint kills the process when the crash point set for this write is
// where.
func crashPoint(where string, write int64) {
	if crashAt == write && crashWhere == where {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
