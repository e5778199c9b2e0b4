#!/usr/bin/env bash
# End-to-end test of the Kannel webhook against a real Kannel (Debian's kannel + kannel-extras):
#
#   fakesmsc (the phone network) -> bearerbox -> smsbox -> GET /webhooks/kannel (hotline)
#   hotline outbox -> GET /cgi-bin/sendsms (smsbox) -> bearerbox -> fakesmsc (the replies)
#
# The hotline runs a copy of gateway-config with gateways/kannel.yaml set to `reply: api`, so
# every reply goes through smsbox's sendsms (the webhook answers empty and smsbox must send
# nothing itself). Two people text 18001769: one walks the advice menu in plain text, one
# writes an urgent message in UCS-2 Vietnamese and reports where; the on-call phone gets the
# alert by SMS and acknowledges it with "OK <reference>". Every reply fakesmsc receives is
# checked, then the SQLite database (each MO stored once, each MT recorded).
#
# Usage: scripts/kannel-e2e/run.sh HOTLINE_BINARY
# Environment (all optional):
#   KANNEL_E2E_ADMIN_PORT (13900) KANNEL_E2E_BOX_PORT (13901) KANNEL_E2E_FAKE_SMSC_PORT (13910)
#   KANNEL_E2E_SENDSMS_PORT (13913) KANNEL_E2E_HOTLINE_PORT (18090)
#   KANNEL_E2E_TIMEOUT   seconds to wait for each reply (20)
#   KANNEL_E2E_DLR       auto|1|0: require delivery reports to reach outbound_messages (auto: only
#                        when the hotline's sendsms requests carry a dlr-mask; see the end)
#   KANNEL_E2E_KEEP=1    keep the temporary folder (logs, database, configs)
#   KANNEL_E2E_VERBOSE=1 bearerbox and smsbox log at debug level
#   BEARERBOX, SMSBOX, FAKESMSC: the Kannel binaries (Debian paths by default)
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 HOTLINE_BINARY" >&2; exit 2; }
binary=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
config_source="$here/../../gateway-config"

BEARERBOX=${BEARERBOX:-/usr/sbin/bearerbox}
SMSBOX=${SMSBOX:-/usr/sbin/smsbox}
FAKESMSC=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}
admin_port=${KANNEL_E2E_ADMIN_PORT:-13900}
box_port=${KANNEL_E2E_BOX_PORT:-13901}
fake_smsc_port=${KANNEL_E2E_FAKE_SMSC_PORT:-13910}
sendsms_port=${KANNEL_E2E_SENDSMS_PORT:-13913}
hotline_port=${KANNEL_E2E_HOTLINE_PORT:-18090}
timeout=${KANNEL_E2E_TIMEOUT:-20}
dlr_mode=${KANNEL_E2E_DLR:-auto}
kannel_verbosity=1
[ "${KANNEL_E2E_VERBOSE:-0}" = 1 ] && kannel_verbosity=0

service_number=18001769
person_a=84912345678  # international form, as most SMSCs deliver it
person_b=0987654321   # national form
on_call=84900000111   # first tier of escalation.yaml's ladder (+84900000111)

fail() { echo "kannel-e2e: FAIL: $*" >&2; exit 1; }
note() { echo "kannel-e2e: $*"; }

for tool in "$binary" "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
  [ -x "$tool" ] || fail "$tool is not an executable (apt-get install kannel kannel-extras; build the hotline first)"
done
for tool in curl sqlite3 iconv od; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$admin_port" "$box_port" "$fake_smsc_port" "$sendsms_port" "$hotline_port"; do
  ! port_in_use "$port" || fail "port $port on 127.0.0.1 is already in use (a Kannel or hotline left running?); choose others with KANNEL_E2E_*_PORT"
done

started_at=$(date +%s.%N)
work=$(mktemp -d "${TMPDIR:-/tmp}/kannel-e2e.XXXXXX")
logs="$work/logs"
mkdir -p "$logs"
db="$work/hotline.sqlite"
hotline_pid="" bearerbox_pid="" smsbox_pid="" fakesmsc_pid=""

stop() { # pid: SIGTERM, then SIGKILL after 5 s
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

print_logs() {
  local file
  for file in hotline.log fakesmsc.log smsbox-access.log bearerbox-access.log smsbox.log bearerbox.log; do
    [ -s "$logs/$file" ] || continue
    echo "----- $file (last 200 lines) -----"
    tail -n 200 "$logs/$file"
  done
  echo "----- replies seen by fakesmsc -----"
  cat "$work/mt.txt" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  exec 3>&-
  stop "$fakesmsc_pid"
  stop "$smsbox_pid"
  stop "$bearerbox_pid"
  stop "$hotline_pid"
  if [ "$status" != 0 ]; then
    print_logs
    echo "kannel-e2e: FAILED (exit $status); work folder: $work"
  fi
  if [ "${KANNEL_E2E_KEEP:-0}" = 1 ] || [ "$status" != 0 ]; then
    echo "kannel-e2e: kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- configuration -------------------------------------------------------------------------
export KANNEL_SENDSMS_PASSWORD="e2e-$RANDOM$RANDOM"
admin_password="admin-$RANDOM$RANDOM"

cp -R "$config_source" "$work/gateway-config"
cfg="$work/gateway-config"
# Replies through sendsms on this test's smsbox.
sed -i -e 's|^reply:.*|reply: api|' \
  -e "s|^\(  url:\).*|\1 http://127.0.0.1:$sendsms_port/cgi-bin/sendsms|" "$cfg/gateways/kannel.yaml"
grep -q '^reply: api$' "$cfg/gateways/kannel.yaml" || fail "could not set reply: api in gateways/kannel.yaml"
grep -q "^  url: http://127.0.0.1:$sendsms_port/cgi-bin/sendsms\$" "$cfg/gateways/kannel.yaml" ||
  fail "could not set send.url in gateways/kannel.yaml"
# Alerts to on-call phones through Kannel too (the bundled config sends them by Africa's
# Talking), so the alert and its "OK <reference>" acknowledgement are tested end to end.
sed -i -e 's|^\(  gateway:\) at-sms$|\1 kannel|' "$cfg/escalation.yaml"
grep -q '^  gateway: kannel$' "$cfg/escalation.yaml" || fail "could not set alerts.gateway in escalation.yaml"
# Delivery reports: with a public_url, the hotline adds dlr-mask and a dlr-url (public_url +
# ?dlr=<our reference>&status=%d) to each sendsms request. A build that does not know the key
# refuses it; then it is left out, and the delivery report check at the end skips itself.
sed -i '/^public_url:/d' "$cfg/gateways/kannel.yaml"
printf 'public_url: http://127.0.0.1:%s/webhooks/kannel\n' "$hotline_port" >>"$cfg/gateways/kannel.yaml"
if ! "$binary" check-config --config "$cfg" >"$logs/check-config.log" 2>&1 && grep -q "kannel.yaml.*public_url" "$logs/check-config.log"; then
  note "this build does not know public_url in gateways/kannel.yaml: no delivery reports requested"
  sed -i '/^public_url:/d' "$cfg/gateways/kannel.yaml"
fi
"$binary" check-config --config "$cfg" >"$logs/check-config.log" 2>&1 || { cat "$logs/check-config.log"; fail "check-config refused the test configuration"; }

sed -e "s|@ADMIN_PORT@|$admin_port|g" -e "s|@ADMIN_PASSWORD@|$admin_password|g" -e "s|@BOX_PORT@|$box_port|g" \
  -e "s|@FAKE_SMSC_PORT@|$fake_smsc_port|g" -e "s|@SENDSMS_PORT@|$sendsms_port|g" \
  -e "s|@SENDSMS_PASSWORD@|$KANNEL_SENDSMS_PASSWORD|g" -e "s|@HOTLINE_PORT@|$hotline_port|g" -e "s|@LOG_DIR@|$logs|g" \
  "$here/kannel.conf" >"$work/kannel.conf"
! grep -q '@[A-Z_]*@' "$work/kannel.conf" || fail "kannel.conf has placeholders left: $(grep -o '@[A-Z_]*@' "$work/kannel.conf" | sort -u | tr '\n' ' ')"

# --- processes -----------------------------------------------------------------------------
wait_for() { # description, seconds, command...: polls the command every 0.1 s
  local what=$1 seconds=$2
  shift 2
  local tries=$((seconds * 10))
  while ((tries-- > 0)); do
    "$@" && return 0
    sleep 0.1
  done
  fail "$what (waited ${seconds}s)"
}
alive() { kill -0 "$1" 2>/dev/null || fail "$2 exited early"; }

"$binary" serve --config "$cfg" --database "$db" --port "$hotline_port" >"$logs/hotline.log" 2>&1 &
hotline_pid=$!
hotline_listening() { alive "$hotline_pid" hotline; grep -q "^Hotline Gateway listening on http://127.0.0.1:$hotline_port" "$logs/hotline.log"; }
wait_for "hotline did not start" 30 hotline_listening

(cd "$work" && exec "$BEARERBOX" -v "$kannel_verbosity" "$work/kannel.conf") >"$logs/bearerbox.log" 2>&1 &
bearerbox_pid=$!
bearerbox_up() { alive "$bearerbox_pid" bearerbox; curl -sf "http://127.0.0.1:$admin_port/status.txt?password=$admin_password" >/dev/null; }
wait_for "bearerbox did not open its admin port $admin_port" 30 bearerbox_up

(cd "$work" && exec "$SMSBOX" -v "$kannel_verbosity" "$work/kannel.conf") >"$logs/smsbox.log" 2>&1 &
smsbox_pid=$!
smsbox_up() { alive "$smsbox_pid" smsbox; port_in_use "$sendsms_port"; }
wait_for "smsbox did not open its sendsms port $sendsms_port" 30 smsbox_up

# fakesmsc without messages on its command line reads MO lines from stdin; a FIFO held open
# here (fd 3) lets the test type one line at a time. It logs each MT it receives as
# "DEBUG: Got message N: <from to type data>" on stderr.
mkfifo "$work/mo.fifo"
exec 3<>"$work/mo.fifo"
"$FAKESMSC" -H 127.0.0.1 -r "$fake_smsc_port" -i 0 <"$work/mo.fifo" >"$logs/fakesmsc.out" 2>"$logs/fakesmsc.log" &
fakesmsc_pid=$!
fake_online() {
  alive "$fakesmsc_pid" fakesmsc
  curl -sf "http://127.0.0.1:$admin_port/status.txt?password=$admin_password" | grep -q "fake.*online"
}
wait_for "the fake SMSC did not come online in bearerbox" 30 fake_online
smsbox_connected() { curl -sf "http://127.0.0.1:$admin_port/status.txt?password=$admin_password" | grep -qi "smsbox:.*(on-line"; }
wait_for "smsbox did not connect to bearerbox" 30 smsbox_connected
note "hotline :$hotline_port, bearerbox admin :$admin_port, smsbox sendsms :$sendsms_port, fake SMSC :$fake_smsc_port"

# --- MO: what a phone sends ------------------------------------------------------------------
mo_count=0
declare -A mo_from_phone=()
mo() { # sender, type (text|ucs2), text
  local sender=$1 type=$2 text=$3 data line
  case $type in
    text) data=$text ;;
    # UCS-2: the message's UTF-16BE bytes, each as %XX (smsc_fake URL-decodes them).
    ucs2) data=$(printf '%s' "$text" | iconv -f UTF-8 -t UTF-16BE | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g') ;;
    *) fail "unknown MO type $type" ;;
  esac
  line="$sender $service_number $type $data"
  # fakesmsc reads stdin with fgets into 256 bytes: a longer line would be cut in two MOs.
  ((${#line} < 255)) || fail "MO line too long for fakesmsc (${#line} bytes): $line"
  printf '%s\n' "$line" >&3
  mo_count=$((mo_count + 1))
  mo_from_phone[$sender]=$((${mo_from_phone[$sender]:-0} + 1))
  note "MO  $sender -> $service_number [$type] $text"
}

# --- MT: what fakesmsc received ------------------------------------------------------------
# smsc_fake writes each MT as one line "from to type data": `text` carries the text as is (so a
# reply with newlines arrives as several lines: a line that does not start with
# "18001769 <number> <type> " continues the previous message), `udh` lines carry a
# concatenated part as "udh <UDH> data <text>", URL-encoded, and are joined here by their
# reference, `data`/`ucs-2` are URL-encoded 8-bit or UTF-16BE bytes.
urldecode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }
parse_mts() { # writes $work/mt.txt: one record per complete MT, "to<TAB>text" with \n as ⏎
  local raw to type rest udh data text key seq
  local -a bytes
  local -A part_text=() part_total=() part_seen=()
  local cur_to="" cur_text="" have=0
  : >"$work/mt.tmp"
  flush() {
    if ((have)); then printf '%s\t%s\n' "$cur_to" "${cur_text//$'\n'/⏎}" >>"$work/mt.tmp"; fi
    have=0 cur_to="" cur_text=""
  }
  while IFS= read -r raw; do
    raw=${raw#*: Got message * <}
    raw=${raw%>}
    if [[ $raw =~ ^$service_number\ ([^ ]+)\ (text|data|udh|ucs-2)\ (.*)$ ]]; then
      flush
      to=${BASH_REMATCH[1]} type=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
      case $type in
        text) have=1 cur_to=$to cur_text=$rest ;;
        data) have=1 cur_to=$to cur_text=$(urldecode "$rest") ;;
        ucs-2) have=1 cur_to=$to cur_text=$(urldecode "$rest" | iconv -f UTF-16BE -t UTF-8) ;;
        udh)
          udh=${rest%% data *} data=${rest#* data }
          read -r -a bytes <<<"$(urldecode "$udh" | od -An -v -tu1)"
          # Concatenation IE: 00 03 ref total seq (8-bit reference) or 08 04 refhi reflo total seq.
          if [ "${bytes[1]}" = 0 ]; then
            key="$to/${bytes[3]}" part_total[$key]=${bytes[4]} seq=${bytes[5]}
          elif [ "${bytes[1]}" = 8 ]; then
            key="$to/${bytes[3]}.${bytes[4]}" part_total[$key]=${bytes[5]} seq=${bytes[6]}
          else
            fail "MT with a UDH that is not a concatenation header: $raw"
          fi
          part_text[$key/$seq]=$(urldecode "$data")
          part_seen[$key]=$((${part_seen[$key]:-0} + 1))
          if ((part_seen[$key] == part_total[$key])); then
            text=""
            for ((seq = 1; seq <= part_total[$key]; seq++)); do text+=${part_text[$key/$seq]}; done
            printf '%s\t%s\n' "$to" "${text//$'\n'/⏎}" >>"$work/mt.tmp"
          fi
          ;;
      esac
    elif ((have)); then
      cur_text+=$'\n'$raw
    else
      fail "fakesmsc received a line that is not an MT: $raw"
    fi
  done < <(grep ': Got message [0-9]*: <' "$logs/fakesmsc.log" || true)
  flush
  mv "$work/mt.tmp" "$work/mt.txt"
}

same_phone() { [ "${1: -9}" = "${2: -9}" ]; } # +84912345678, 84912345678 and 0912345678
declare -A mt_taken=()
last_mt=""
mt_for() { # phone, index (0-based): prints that MT to the phone, returns 1 when not there yet
  local phone=$1 want=$2 n=0 to text
  while IFS=$'\t' read -r to text; do
    same_phone "$to" "$phone" || continue
    if ((n == want)); then printf '%s' "${text//⏎/$'\n'}"; return 0; fi
    n=$((n + 1))
  done <"$work/mt.txt"
  return 1
}
expect_mt() { # phone, then substrings the next MT to that phone must all contain
  local phone=$1 index=${mt_taken[$1]:-0} deadline text sub ok
  shift
  deadline=$(($(date +%s) + timeout))
  while :; do
    parse_mts
    if text=$(mt_for "$phone" "$index"); then
      ok=1
      for sub in "$@"; do [[ $text == *"$sub"* ]] || ok=0; done
      # A text split over several fakesmsc lines may still be arriving: look again until the
      # deadline before calling it wrong.
      ((ok)) && break
    fi
    if (($(date +%s) >= deadline)); then
      if [ -n "${text:-}" ]; then
        fail "reply #$((index + 1)) to $phone is not what was expected.
  expected to contain: $(printf '[%s] ' "$@")
  got: $text"
      fi
      fail "no reply #$((index + 1)) to $phone within ${timeout}s (expected one containing: $(printf '[%s] ' "$@"))"
    fi
    sleep 0.2
  done
  # gateways/kannel.yaml says encoding: gsm7, so replies are unaccented: plain ASCII here.
  if LC_ALL=C grep -q '[^ -~]' <<<"$text"; then fail "reply to $phone is not unaccented GSM-7 text: $text"; fi
  mt_taken[$phone]=$((index + 1))
  last_mt=$text
  note "MT  $service_number -> $phone: ${text//$'\n'/ | }"
}

# --- person A: "chao", then the advice menu to its end ---------------------------------------
mo "$person_a" text "chao"
expect_mt "$person_a" "Duong day bao ve tre em. Ban can gi?" "1. Bao tin tre gap nguy" "2. Xin loi khuyen" "5. Ngon ngu / Language"
mo "$person_a" text "2"
expect_mt "$person_a" "Ban muon hoi ve dieu gi?" "1. Gia dinh" "6. Quyen tre em"
mo "$person_a" text "1"
expect_mt "$person_a" "Khi bo me cai nhau, do khong phai loi cua em." "(Bam 1 de tiep)"
mo "$person_a" text "1"
expect_mt "$person_a" "Em co the viet ra dieu lam em buon." "(Bam 1 de tiep)"
mo "$person_a" text "1"
expect_mt "$person_a" "Em co muon noi chuyen voi tu van vien khong?" "1. Co, goi lai cho em" "2. Em se tu goi"
mo "$person_a" text "2"
expect_mt "$person_a" "Goi mien phi 18001769 (tu van) hoac 111 (24/7)"

# --- person B: an urgent message in UCS-2 with Vietnamese marks --------------------------------
mo "$person_b" ucs2 "Chú ơi cứu em, bố đang đánh em"
expect_mt "$person_b" "Goi ngay 111 mien phi neu co the. Tre dang o dau? Viet ten xa, huyen:"
mo "$person_b" ucs2 "Hạ Long"
expect_mt "$person_b" "Chuyen gi dang xay ra?" "1. Bi danh" "5. Khac"
mo "$person_b" text "1"
expect_mt "$person_b" "Da bao can bo 111. Ma so: QN-" "goi 111 mien phi"
reference=$(grep -o 'QN-[A-Z0-9]\{6\}' <<<"$last_mt" | head -n 1)
[ -n "$reference" ] || fail "no case reference in: $last_mt"

# --- UCS-2 punctuation ----------------------------------------------------------------------
# get-url's %a splits the text into words on whitespace *bytes*; in UTF-16BE 0x20 is also the
# high byte of U+2000-U+20FF (… “ ” ‘ ’ – €, which phones type), so such a text would reach the
# webhook with bytes missing and be lost. The bundled get-url uses %b (the payload as is).
mo "$person_a" ucs2 "Em hỏi… “chú” ơi"
expect_mt "$person_a" "Duong day bao ve tre em. Ban can gi?"

# --- the on-call phone: the alert, then "OK <reference>" -------------------------------------
expect_mt "$on_call" "P1 $reference" "OK $reference"
mo "$on_call" text "OK $reference"
expect_mt "$on_call" "Da xac nhan $reference"

# --- every MO reached the webhook once, with a 200 -------------------------------------------
http_ok() { [ "$(grep -c "SMS HTTP-request .* reply: 200 " "$logs/smsbox-access.log" || true)" -ge "$mo_count" ]; }
wait_for "smsbox did not log $mo_count webhook calls answered 200: $(grep 'SMS HTTP-request' "$logs/smsbox-access.log" || true)" 5 http_ok
webhook_calls=$(grep -c "SMS HTTP-request" "$logs/smsbox-access.log" || true)
[ "$webhook_calls" = "$mo_count" ] || fail "smsbox called the webhook $webhook_calls times for $mo_count MOs"
# smsbox's own replies (max-messages = 0) never reach the phone: every MT came from sendsms.
sendsms_requests=$(grep -c "send-SMS request added" "$logs/smsbox-access.log" || true)

# --- the database ----------------------------------------------------------------------------
q() { sqlite3 -bail -batch "$db" "$1"; }
person_mos=$((${mo_from_phone[$person_a]} + ${mo_from_phone[$person_b]}))
inbound_ids=$(q "SELECT COUNT(*) FROM inbound_ids WHERE gateway_id = 'kannel'")
distinct_ids=$(q "SELECT COUNT(DISTINCT message_id) FROM inbound_ids WHERE gateway_id = 'kannel'")
stored_in=$(q "SELECT COUNT(*) FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.gateway_id = 'kannel' AND m.direction = 'in'")
stored_out=$(q "SELECT COUNT(*) FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.gateway_id = 'kannel' AND m.direction = 'out'")
sessions=$(q "SELECT COUNT(*) FROM sessions WHERE gateway_id = 'kannel'")
parse_mts
mt_count=$(wc -l <"$work/mt.txt")
outbound=$(q "SELECT COUNT(*) FROM outbound_messages WHERE gateway_id = 'kannel'")
unsent=$(q "SELECT COUNT(*) FROM outbox WHERE kind = 'sms' AND status <> 'delivered'")
case_row=$(q "SELECT priority || ' ' || status FROM cases WHERE reference = '$reference'")
acknowledged=$(q "SELECT COUNT(*) FROM cases WHERE reference = '$reference' AND acknowledged_at IS NOT NULL")
note "db: inbound_ids $inbound_ids ($distinct_ids distinct), messages in $stored_in / out $stored_out in $sessions sessions, outbound_messages $outbound, case $reference: $case_row"
[ "$inbound_ids" = "$mo_count" ] || fail "inbound_ids holds $inbound_ids kannel ids for $mo_count MOs"
[ "$distinct_ids" = "$inbound_ids" ] || fail "inbound_ids has duplicates"
[ "$stored_in" = "$person_mos" ] || fail "messages holds $stored_in inbound messages for $person_mos MOs from the two people"
[ "$outbound" = "$mt_count" ] || fail "outbound_messages holds $outbound rows, fakesmsc received $mt_count MTs"
[ "$sendsms_requests" = "$mt_count" ] || fail "smsbox took $sendsms_requests sendsms requests, fakesmsc received $mt_count MTs"
[ "$unsent" = 0 ] || fail "$unsent outbox SMS not delivered: $(q "SELECT id, status, last_error FROM outbox WHERE kind = 'sms' AND status <> 'delivered'")"
[ "$case_row" = "P1 submitted" ] || fail "case $reference is '$case_row', expected 'P1 submitted'"
[ "$acknowledged" = 1 ] || fail "case $reference was not acknowledged by the on-call phone's SMS"

# --- delivery reports ------------------------------------------------------------------------
# Kannel's fake SMSC invents the delivery reports itself: for an MT with a dlr-mask, bearerbox
# reports 8 (SMSC accepted) when the message is handed to fakesmsc, and smsc_fake then reports
# 1 (delivered) at once; fakesmsc has no say (it cannot send a report, nor a failure). smsbox
# calls the MT's dlr-url for each, with %d = 8 then 1 (two requests, back to back).
# The hotline's sendsms requests carry dlr-mask/dlr-url once the gateway issue lands; bearerbox's
# access log shows the mask as the last "flags" field of each "Sent SMS" line (-1: none).
# auto: require delivered statuses exactly when the masks are there.
masks=$(sed -n 's/.*Sent SMS .*\[flags:[^]]*:\(-\{0,1\}[0-9]*\)\].*/\1/p' "$logs/bearerbox-access.log" | sort -u | tr '\n' ' ')
case $dlr_mode in
  auto) if grep -q 'Sent SMS .*\[flags:[^]]*:[1-9][0-9]*\]' "$logs/bearerbox-access.log"; then dlr_mode=1; else dlr_mode=0; fi ;;
  0 | 1) ;;
  *) fail "KANNEL_E2E_DLR must be auto, 0 or 1" ;;
esac
if [ "$dlr_mode" = 1 ]; then
  all_delivered() { [ "$(q "SELECT COUNT(*) FROM outbound_messages WHERE gateway_id = 'kannel' AND status = 'delivered'")" = "$mt_count" ]; }
  wait_for "not every Kannel MT is 'delivered' in outbound_messages: $(q "SELECT id, status, detail FROM outbound_messages WHERE gateway_id = 'kannel'" | tr '\n' ' ')" 10 all_delivered
  note "delivery reports: all $mt_count MTs delivered (dlr masks sent: $masks)"
else
  note "delivery reports not checked: the MTs carried no dlr-mask (masks: $masks); outbound_messages statuses: $(q "SELECT status, COUNT(*) FROM outbound_messages WHERE gateway_id = 'kannel' GROUP BY status" | tr '\n' ' ')"
fi

elapsed=$(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
note "OK: $mo_count MOs through Kannel, $mt_count replies checked, each MO stored once (${elapsed}s)"
