package core

// SchedulerStartRetry lets tests shorten the first wait after a failed
// scheduler start.
var SchedulerStartRetry = &schedulerStartRetry
