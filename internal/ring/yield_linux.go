package ring

import "syscall"

// osYield gives up the thread's CPU to other runnable threads.
func osYield() { syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
