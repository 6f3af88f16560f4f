# ebba-test: alone (it measures time under load: tests/run runs it with nothing beside it)
# Slow clients with the default settings (issue 24, item 4), loopback only,
# bounded in count and time.  Seventy sockets from one address send a
# request's head a line every 3 s (never idle, so libmicrohttpd's idle
# timeout never fires) and reconnect whenever they are cut, for 24 s:
# meanwhile a caseworker's page and /login answer, that address never holds
# more than max_connections_per_ip (32) connections, and every slow socket
# is cut within the head deadline (header_timeout_seconds, 10) of its first
# byte.  A kept-alive connection's next request is timed from its own
# first byte, not from the end of the previous answer.  Behind a proxy
# (proxy_peers) the per-client limit counts requests per forwarded client.
# No timing assertions beyond generous bounds.
. "$(dirname "$0")/../lib.sh"
new_db || exit 2
sfx=${PGDATABASE##*_}
CW=scw$sfx PW=Test-l0senord
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null
psql_val "grant password_login to $CW" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade; drop role if exists $CW" >/dev/null 2>&1; t_cleanup' EXIT

# start_web NAME [YAML...]: ebba-web with the defaults but for these; sets URL, PORT, WEB_PID.
start_web() {
	local name=$1; shift
	{ echo 'database: ""'; echo "rules_dir: $ROOT/rules"; echo "web:"; echo "  port: 0"; printf '  %s\n' "$@"; } >"$T_TMP/$name.yaml"
	"$ROOT/$BUILD/ebba-web" -c "$T_TMP/$name.yaml" 2>"$T_TMP/$name.log" & T_PIDS+=($!)
	WEB_PID=$!
	for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/$name.log" && break; sleep 0.05; done
	URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/$name.log" | head -n 1)
	[ -n "$URL" ] || { fail "ebba-web $name started"; cat "$T_TMP/$name.log"; exit 0; }
	PORT=${URL##*:}
}
start_web defaults

J=$T_TMP/cw.jar
csrf=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$csrf" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PW" "$URL/login"
page() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check_eq "the caseworker is logged in and sees the queue" 200 "$(page -b "$J" "$URL/")"

# -- seventy slow heads from one address ------------------------------------------------
# Prints: sockets opened, the most held at once for over 2 s, the longest
# any was held from its first byte, and how many were still open at the end.
cat >"$T_TMP/slowloris.py" <<'PY'
import select, socket, sys, time
port, n, attack, src, ready = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
t0 = time.monotonic()
live = {}      # socket -> [first byte time, next line time]
retry = []     # times at which to open a socket again
opened, most_held, longest = 0, 0, 0.0
def open_one(now):
    global opened
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        s.close()
        retry.append(now + 1)
        return
    opened += 1
    s.setblocking(False)
    live[s] = [now, now + 3]
def close(s, now):
    global longest
    longest = max(longest, now - live.pop(s)[0])
    s.close()
    if now - t0 < attack:
        retry.append(now + 1)
now = time.monotonic()
for _ in range(n):
    open_one(now)
open(ready, "w").close()
while time.monotonic() - t0 < attack + 20 and (live or time.monotonic() - t0 < attack):
    r, _, _ = select.select(list(live), [], [], 0.2)
    now = time.monotonic()
    for s in r:
        try:
            if s.recv(4096) == b"":
                close(s, now)
        except OSError:
            close(s, now)
    for s, t in list(live.items()):
        if now >= t[1]:
            try:
                s.send(b"X-Slow: a\r\n")
                t[1] = now + 3
            except OSError:
                close(s, now)
    most_held = max(most_held, sum(1 for t in live.values() if now - t[0] > 2))
    while retry and retry[0] <= now and now - t0 < attack:
        retry.pop(0)
        open_one(now)
for s, t in live.items():
    longest = max(longest, time.monotonic() - t[0])
print(opened, most_held, "%.1f" % longest, len(live))
PY
python3 "$T_TMP/slowloris.py" "$PORT" 70 24 127.0.0.2 "$T_TMP/slowloris.ready" >"$T_TMP/slowloris.out" & SLOW=$!
T_PIDS+=($SLOW)
for _ in $(seq 100); do [ -e "$T_TMP/slowloris.ready" ] && break; sleep 0.1; done
bad=
for t in 1 2 3 4 5 6; do
	got="$(page -b "$J" "$URL/") $(page "$URL/login")"
	[ "$got" = "200 200" ] || bad="$bad [${t}: $got]"
	sleep 3
done
check_eq "while 70 slow sockets keep coming, the caseworker's page and /login answer within 5 s (six times over 18 s)" "" "$bad"
wait "$SLOW"
read -r opened most longest left <"$T_TMP/slowloris.out"
check "the slow sockets were opened (and reopened when cut): $opened" test "${opened:-0}" -gt 70
check "their address never held more than max_connections_per_ip (32) for over 2 s (held $most)" \
	test "${most:-99}" -le 32 -a "${most:-0}" -gt 0
check "every slow socket was cut within 13 s of its first byte (longest ${longest} s)" \
	awk -v l="${longest:-999}" 'BEGIN { exit !(l <= 13) }'
check_eq "none is left open" 0 "$left"
check_match "ebba-web says it cut them" "cut [0-9]+ connection\(s\) whose request head did not arrive within 10 s" "$(cat "$T_TMP/defaults.log")"
check_match "... and that it refused the ones over the limit" "refused [0-9]+ connection\(s\) over max_connections_per_ip \(32\)" "$(cat "$T_TMP/defaults.log")"

# -- a kept-alive connection's next head ------------------------------------------------------
# One full request, 5 s idle, then a second request's head a line every 2 s:
# cut about 10 s after the second head's first byte (not 10 s after the
# first answer, nor never).
cat >"$T_TMP/keepalive.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket()
s.bind(("127.0.0.3", 0))
s.connect(("127.0.0.1", port))
s.sendall(b"GET /static/ebba.css HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(5)
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(65536)
head, _, body = data.partition(b"\r\n\r\n")
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
while len(body) < length:
    body += s.recv(65536)
time.sleep(5)
first = time.monotonic()
s.sendall(b"GET / HTTP/1.1\r\n")
s.settimeout(2)
while time.monotonic() - first < 40:
    try:
        if s.recv(4096) == b"":
            break
    except socket.timeout:
        pass
    except OSError:
        break
    try:
        s.send(b"X-Slow: a\r\n")
    except OSError:
        break
print("%.1f" % (time.monotonic() - first))
PY
held=$(python3 "$T_TMP/keepalive.py" "$PORT")
check "a kept-alive connection's slow second head is cut 7 to 13 s after its first byte (${held} s)" \
	awk -v h="${held:-999}" 'BEGIN { exit !(h >= 7 && h <= 13) }'
kill "$WEB_PID" 2>/dev/null

# -- behind a proxy: requests in hand per forwarded client -------------------------------------
# max_connections_per_ip: 2.  From the proxy (127.0.0.1) two requests for
# 192.0.2.7 send their bodies slowly; a third for 192.0.2.7 gets 429 at
# once, while one for 192.0.2.8 is answered.  A direct client's third
# connection is closed at once.
start_web proxy "max_connections_per_ip: 2" "proxy_peers: 127.0.0.1"
cat >"$T_TMP/slowbody.py" <<'PY'
import socket, sys, time
port, xff, n, ready = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("POST /login HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: %s\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser=" % xff).encode())
    socks.append(s)
time.sleep(0.5)
open(ready, "w").close()
time.sleep(20)
PY
python3 "$T_TMP/slowbody.py" "$PORT" 192.0.2.7 2 "$T_TMP/slowbody.ready" & SB=$!
T_PIDS+=($SB)
for _ in $(seq 100); do [ -e "$T_TMP/slowbody.ready" ] && break; sleep 0.1; done
check_eq "a third request in hand for the same forwarded client: 429" 429 \
	"$(page -H 'X-Forwarded-For: 192.0.2.7' "$URL/login")"
check_eq "... one for another client behind the same proxy: 200" 200 \
	"$(page -H 'X-Forwarded-For: 192.0.2.8' "$URL/login")"
cat >"$T_TMP/direct.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
socks = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.4", 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
time.sleep(1)
closed = 0
for s in socks:
    s.settimeout(0.2)
    try:
        closed += s.recv(1) == b""
    except socket.timeout:
        pass
    except OSError:
        closed += 1
print(closed)
PY
check_eq "a direct client's third connection is closed at once (max_connections_per_ip: 2)" 1 \
	"$(python3 "$T_TMP/direct.py" "$PORT")"
kill "$SB" 2>/dev/null
kill "$WEB_PID" 2>/dev/null
