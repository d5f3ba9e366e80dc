#!/bin/bash
# Measures the dashboard in tmux: start to first frame, key to frame, RSS and idle CPU.
# Usage: AUDITDECK_BIN=./auditdeck STORE=/path/to/data bench/tui-latency.sh
S=perf$$
tmux -L $S kill-server 2>/dev/null
start=$(date +%s%N)
tmux -L $S new-session -d -s p -x 160 -y 45 "${AUDITDECK_BIN:-auditdeck} --data ${STORE:?set STORE to a data directory with 1M events} --user bench; sleep 30"
while ! tmux -L $S capture-pane -p -t p 2>/dev/null | grep -q "^1/[0-9,]"; do sleep 0.005; done
end=$(date +%s%N)
echo "first frame with rows: $(( (end-start)/1000000 )) ms"
PID=$(pgrep -f "^${AUDITDECK_BIN:-auditdeck} --data ${STORE:?set STORE to a data directory with 1M events} --user bench" | head -1)
sleep 1
echo "RSS after first frame: $(grep VmRSS /proc/$PID/status)"
t1=$(awk '{print $14+$15}' /proc/$PID/stat); sleep 10; t2=$(awk '{print $14+$15}' /proc/$PID/stat)
echo "idle CPU over 10 s: $((t2-t1)) ticks (100 ticks = 1 CPU-s)"
# key press to next frame: page down 20 times, measuring each
total=0; times=""
for i in $(seq 1 20); do
  before=$(tmux -L $S capture-pane -p -t p | grep -o "[0-9,]\+/[0-9,]\+" | head -1)
  s=$(date +%s%N); tmux -L $S send-keys -t p PageDown
  while [ "$(tmux -L $S capture-pane -p -t p | grep -o "[0-9,]\+/[0-9,]\+" | head -1)" == "$before" ]; do sleep 0.002; done
  e=$(date +%s%N); times="$times $(( (e-s)/1000000 ))"
done
echo "page down, key to frame ms:$times"
times=""
for f in f s u f s u; do
  before=$(tmux -L $S capture-pane -p -t p | md5sum)
  s=$(date +%s%N); tmux -L $S send-keys -t p $f
  while [ "$(tmux -L $S capture-pane -p -t p | md5sum)" == "$before" ]; do sleep 0.002; done
  e=$(date +%s%N); times="$times $(( (e-s)/1000000 ))"
done
echo "filter toggles, key to frame ms:$times"
echo "RSS after paging: $(grep VmRSS /proc/$PID/status)"
tmux -L $S kill-server
