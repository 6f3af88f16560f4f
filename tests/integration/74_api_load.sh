# ebba-test: alone (it measures time under load: tests/run runs it with nothing beside it)
# ebba-web under load (docs/architecture.md §13), loopback only, bounded in
# count and time: clients that dribble a byte a second (into the headers,
# into an API body) are cut off by request_timeout_seconds while a logged-in
# caseworker still gets the queue page; a flood of connections over
# max_connections is bounded and cleared; a flood of 2 000 applications at
# 32 at once is accepted whole (every one 201, every one in the inbox once)
# while the caseworker's page keeps answering; ebba-web's peak RSS stays
# under 64 MiB.  No timing assertions beyond generous timeouts.
. "$(dirname "$0")/../lib.sh"
new_db || exit 2
sfx=${PGDATABASE##*_}
CW=lcw$sfx PW=Test-l0senord
printf '%s\n' "$PW" | "$EBBACTL" user add "$CW" --role caseworker >/dev/null
psql_val "grant password_login to $CW" >/dev/null
trap 'psql -XAtq -d postgres -c "drop owned by $CW cascade; drop role if exists $CW" >/dev/null 2>&1; t_cleanup' EXIT
cfg=$(write_config </dev/null)
TOKEN=$("$EBBACTL" -c "$cfg" token add flood)

{ echo 'database: ""'; echo "rules_dir: $ROOT/rules"; echo "web:"; echo "  port: 0"
  echo "  request_timeout_seconds: 3"; echo "  connection_timeout_seconds: 5"
  echo "  max_connections: 64"; echo "  threads: 4"; } >"$T_TMP/web.yaml"
"$ROOT/$BUILD/ebba-web" -c "$T_TMP/web.yaml" 2>"$T_TMP/web.log" & T_PIDS+=($!)
WEB_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T_TMP/web.log" && break; sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T_TMP/web.log" | head -n 1)
[ -n "$URL" ] || { fail "ebba-web started"; cat "$T_TMP/web.log"; exit 0; }
PORT=${URL##*:}

J=$T_TMP/cw.jar
csrf=$(curl -s -c "$J" -b "$J" "$URL/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{64\}')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "csrf=$csrf" --data-urlencode "user=$CW" \
	--data-urlencode "password=$PW" "$URL/login"
queue() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 -b "$J" "$URL/"; }
check_eq "the caseworker is logged in and sees the queue" 200 "$(queue)"

# -- slow clients ----------------------------------------------------------------------
# 4 connections dribble a request's headers, 4 an API body (Content-Length
# 10 000), one byte a second, for at most 40 s; each prints how it ended.
cat >"$T_TMP/dribble.py" <<'PY'
import socket, sys, threading, time
port, n = int(sys.argv[1]), int(sys.argv[2])
token = sys.argv[3]
results = []
def run(kind):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(1.0)
    if kind == "body":
        s.sendall(("POST /api/v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/xml\r\nContent-Length: 10000\r\n\r\n" % token).encode())
        data = b"<" * 10000
    else:
        data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    t0 = time.time()
    for b in data:
        if time.time() - t0 > 40:
            results.append("held")
            return
        try:
            s.send(bytes([b]))
            if s.recv(4096) == b"":
                results.append("cut")
                return
        except socket.timeout:
            pass
        except OSError:
            results.append("cut")
            return
    results.append("sent all")
threads = [threading.Thread(target=run, args=("body" if i % 2 else "head",)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join(sorted(results)))
PY
python3 "$T_TMP/dribble.py" "$PORT" 8 "$TOKEN" >"$T_TMP/dribble.out" & DRIBBLE=$!
T_PIDS+=($DRIBBLE)
sleep 1
check_eq "while 8 clients dribble, the caseworker gets the queue page" 200 "$(queue)"
wait "$DRIBBLE"
check_eq "every dribbling connection is cut off" "cut cut cut cut cut cut cut cut" "$(cat "$T_TMP/dribble.out")"
check_match "ebba-web says it cut them" "cut [0-9]+ connection\(s\) whose request did not arrive within 3 s" "$(cat "$T_TMP/web.log")"

# -- a flood of connections --------------------------------------------------------------
# 200 idle connections at once, more than max_connections (64): the server
# holds at most 64, closes the rest, and cuts the held ones by the deadline.
cat >"$T_TMP/connflood.py" <<'PY'
import select, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port)))
    except OSError:
        pass
t0, open_ = time.time(), set(socks)
while open_ and time.time() - t0 < 30:
    r, _, _ = select.select(list(open_), [], [], 0.5)
    for s in r:
        try:
            if s.recv(4096) == b"":
                open_.discard(s)
        except OSError:
            open_.discard(s)
print(len(socks), len(open_))
PY
python3 "$T_TMP/connflood.py" "$PORT" 200 >"$T_TMP/connflood.out" & CF=$!
T_PIDS+=($CF)
sleep 0.5
got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 --retry 20 --retry-delay 1 --retry-all-errors -b "$J" "$URL/")
check_eq "during a connection flood the caseworker gets the queue page (retrying at most 20 s)" 200 "$got"
wait "$CF"
read -r opened still <"$T_TMP/connflood.out"
check_eq "200 connections opened, none left open by the server" "200 0" "$opened $still"

# -- a flood of applications -----------------------------------------------------------------
# 2 000 distinct documents, 32 at once, each its own request.
mkdir -p "$T_TMP/flood"
awk -v dir="$T_TMP/flood" 'FNR == 1 { doc = "" } { doc = doc $0 "\n" }
	END { for (i = 1; i <= 2000; i++) { d = doc; sub(/id="EB-2026-12-000123"/, "id=\"FLOOD-" i "\"", d);
		f = dir "/" i ".xml"; printf "%s", d > f; close(f) } }' "$ROOT/tests/data/applications/good.xml"
for i in $(seq 2000); do
	[ "$i" = 1 ] || echo next
	printf 'url = "%s/api/v1/applications"\ndata-binary = "@%s/flood/%d.xml"\n' "$URL" "$T_TMP" "$i"
	printf 'header = "Authorization: Bearer %s"\nheader = "Content-Type: application/xml"\n' "$TOKEN"
	printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
done >"$T_TMP/flood.curl"
curl -s --no-progress-meter --parallel --parallel-max 32 --max-time 120 -K "$T_TMP/flood.curl" >"$T_TMP/flood.codes" 2>"$T_TMP/flood.err" & FLOOD=$!
T_PIDS+=($FLOOD)
slow=0
for _ in 1 2 3 4 5; do [ "$(queue)" = 200 ] || slow=$((slow + 1)); done
check_eq "during the flood, 5 of 5 queue pages answer 200" 0 "$slow"
wait "$FLOOD"
check_eq "every application of the flood: 201" "2000 201" "$(sort "$T_TMP/flood.codes" | uniq -c | awk '{print $1 " " $2}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "... and each is in the inbox once" 2000 "$(psql_val "select count(distinct external_id) from ebba.inbox where external_id like 'FLOOD-%'")"
check_eq "the caseworker's page after the flood" 200 "$(queue)"
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$WEB_PID/status")
limit=64   # MiB; AddressSanitizer's shadow memory alone is more (make check-san)
grep -qa __asan_init "$ROOT/$BUILD/ebba-web" && limit=512
check "ebba-web's peak RSS stays under $limit MiB (was ${hwm} kB)" test "${hwm:-999999}" -lt $((limit * 1024))
