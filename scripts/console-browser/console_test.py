"""The operator console, end to end, in headless Chromium.

Starts `hotline serve` on a fresh database, signs two operators in, posts a P1 through the
Africa's Talking USSD webhook and follows it through the console: live arrival, acknowledge,
claim (seen live by the other operator), note, a reply naming harm that needs confirming,
triage correction, resolution, the supervisor's audit page, a walk-in recorded at the desk,
a referral to a commune (its worker sees it and nothing else, records a serious-risk
assessment the operator sees live; a deadline passes in a shortened configuration, shows red
and texts the supervisors' phone), the dashboard's charts and the monthly report against the
database's counts, a restart (banner Reconnecting, then Live, with the case created
meanwhile), a POST without the CSRF token, and the back button after signing out.
"""

import argparse
import datetime
import http.server
import json
import os
import shutil
import sqlite3
import threading
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

DESK = ("duty-desk", "desk-token-for-the-browser-test")
SUPERVISOR = ("supervisor", "supervisor-token-for-the-browser-test")
HONG_GAI = ("cb-hong-gai", "hong-gai-token-for-the-browser-test")
CAM_PHA = ("cb-cam-pha", "cam-pha-token-for-the-browser-test")
SUPERVISORS_PHONE = "+84900000113"  # tier 2 of the bundled escalation.yaml's ladder


class FakeAfricasTalking:
    """Africa's Talking's SMS API on localhost: keeps every text the service sends."""

    def __init__(self):
        self.sent = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = urllib.parse.parse_qs(body)
                for to in form.get("to", [""])[0].split(","):
                    outer.sent.append((to, form.get("message", [""])[0]))
                reply = json.dumps({"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [
                    {"statusCode": 101, "number": "x", "status": "Success", "messageId": f"ATXid_{len(outer.sent)}"}]}}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts_to(self, phone):
        return [text for to, text in self.sent if to == phone]


def shortened_config(source, work, sms_port):
    """The bundled configuration with texts going to the fake SMS API and a referral's
    acceptance due 15 s after it is sent, so the test sees a deadline pass."""
    config = os.path.join(work, "gateway-config")
    shutil.copytree(source, config)
    def edit(name, old, new):
        path = os.path.join(config, name)
        text = open(path, encoding="utf-8").read()
        assert old in text, (name, old)
        open(path, "w", encoding="utf-8").write(text.replace(old, new))
    edit("gateways/at-sms.yaml", "https://api.africastalking.com/version1/messaging", f"http://127.0.0.1:{sms_port}/version1/messaging")
    edit("escalation.yaml", "accept_within_hours: 2", "accept_within_hours: 0.004")
    return config


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, config, database, port, log):
        self.binary, self.config, self.database, self.port, self.log = binary, config, database, port, log
        self.process = None

    def start(self):
        env = dict(os.environ)
        env.update({"HOTLINE_TOKEN_DUTY_DESK": DESK[1], "HOTLINE_TOKEN_SUPERVISOR": SUPERVISOR[1],
                    "HOTLINE_TOKEN_CB_HONG_GAI": HONG_GAI[1], "HOTLINE_TOKEN_CB_CAM_PHA": CAM_PHA[1], "AT_API_KEY": "browser-test-key"})
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", self.config, "--database", self.database, "--port", str(self.port)],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the service did not start; see " + self.log)

    def stop(self):
        """SIGTERM, as systemd stops it; returns how long graceful shutdown took."""
        start = time.time()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return time.time() - start


class USSD:
    """A person on a basic phone, through the Africa's Talking USSD webhook."""

    def __init__(self, port, session, phone):
        self.url = f"http://127.0.0.1:{port}/webhooks/at-ussd"
        self.session, self.phone = session, phone

    def send(self, text):
        data = urllib.parse.urlencode({
            "sessionId": self.session, "serviceCode": "*384*1769#", "phoneNumber": self.phone,
            "networkCode": "45204", "text": text}).encode()
        with urllib.request.urlopen(self.url, data=data, timeout=10) as response:
            assert response.status == 200, response.status
            return response.read().decode()

    def report_p1(self):
        """Someone else's child in danger now, in Hạ Long; may be texted back."""
        steps = ["", "1", "1*2", "1*2*1", "1*2*1*1", "1*2*1*1*Hạ Long", "1*2*1*1*Hạ Long*9", "1*2*1*1*Hạ Long*9*1",
                 "1*2*1*1*Hạ Long*9*1*4", "1*2*1*1*Hạ Long*9*1*4*#"]
        screen = ""
        for text in steps:
            screen = self.send(text)
        marker = "Ma so: "
        assert marker in screen, screen
        return screen.split(marker)[1].split(".")[0].strip()


def browser():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=vi"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, seconds=10, what=""):
    # The page swaps parts of itself in as events arrive: an element read mid-swap is retried.
    # Chromium reports that either as a stale element or, when the swap lands between finding
    # the node and reading it, as a node that "does not belong to the document".
    def retried(d):
        try:
            return condition(d)
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return False
            raise
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(retried)
    except TimeoutException:
        raise AssertionError(f"timed out after {seconds} s: {what}\n--- page ---\n{driver.page_source[:3000]}")


def sign_in(driver, base, who):
    driver.get(base + "/console/sign-in")
    driver.find_element(By.ID, "operator").send_keys(who[0])
    driver.find_element(By.ID, "token").send_keys(who[1])
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver, EC.presence_of_element_located((By.ID, "queue")), what="the queue after signing in")


def banner(driver):
    return driver.find_element(By.ID, "live-banner").get_attribute("data-state")


def submit(driver, button_id):
    driver.find_element(By.ID, button_id).click()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="console-browser-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sms = FakeAfricasTalking()
    config = shortened_config(args.config, work, sms.port)
    database = os.path.join(work, "hotline.sqlite")
    server = Server(os.path.abspath(args.binary), config, database, port, os.path.join(work, "server.log"))
    server.start()
    desk, other, worker = browser(), browser(), browser()
    step = "start"
    try:
        step = "sign in"
        sign_in(desk, base, DESK)
        sign_in(other, base, SUPERVISOR)
        wait(desk, lambda d: banner(d) == "live", what="banner Live")
        desk.execute_script("window.__notReloaded = true;")

        step = "a P1 appears without a reload"
        posted = time.time()
        reference = USSD(port, "ATUid_browser_1", "+84912345678").report_p1()
        wait(desk, EC.presence_of_element_located((By.CSS_SELECTOR, f"tr[data-reference='{reference}']")), seconds=10,
             what=f"{reference} in the queue")
        arrived = time.time() - posted
        assert desk.execute_script("return window.__notReloaded === true;"), "the queue page reloaded"
        assert desk.title.startswith("(1)"), desk.title
        row = f"tr[data-reference='{reference}']"
        wait(desk, lambda d: "P1" in d.find_element(By.CSS_SELECTOR, row).text, what="P1 in the row")
        wait(desk, lambda d: d.find_element(By.CSS_SELECTOR, row + " .countdown").text, what="an acknowledgement countdown")
        assert "+84912345678" not in desk.page_source and "912345678" not in desk.page_source, "number unmasked in the queue"
        desk.save_screenshot(os.path.join(args.screenshots, "console-queue.png"))
        print(f"ok  P1 {reference} shown {arrived:.2f} s after the webhook's last answer (without a reload)")

        step = "acknowledge and claim, seen live by the other operator"
        other.get(f"{base}/console/cases/{reference}")
        wait(other, lambda d: banner(d) == "live", what="other operator's banner Live")
        other.execute_script("window.__notReloaded = true;")
        desk.find_element(By.LINK_TEXT, reference).click()
        wait(desk, EC.presence_of_element_located((By.ID, "acknowledge")), what="case page")
        submit(desk, "acknowledge")
        wait(desk, EC.presence_of_element_located((By.ID, "claim")), what="claim button after acknowledging")
        submit(desk, "claim")
        wait(desk, EC.presence_of_element_located((By.ID, "release")), what="release button after claiming")
        wait(other, lambda d: "duty-desk" in d.find_element(By.ID, "claimed-by-other").text, what="'claimed by duty-desk' live")
        assert other.execute_script("return window.__notReloaded === true;"), "the other page reloaded"
        print("ok  acknowledged and claimed; the other operator's page says so live")

        step = "note survives a reload"
        desk.find_element(By.ID, "note-text").send_keys("Đã gọi cho cán bộ xã, chờ phản hồi.")
        submit(desk, "add-note")
        wait(desk, EC.presence_of_element_located((By.CSS_SELECTOR, ".notice")), what="note saved")
        desk.refresh()
        wait(desk, lambda d: "Đã gọi cho cán bộ xã" in d.find_element(By.ID, "timeline").text, what="the note after a reload")
        print("ok  note kept across a reload")

        step = "reply naming harm needs confirming"
        desk.find_element(By.ID, "reply-text").send_keys("Em có bị bạo lực nữa không? Gọi 111 nhé.")
        submit(desk, "send-reply")
        wait(desk, EC.presence_of_element_located((By.ID, "confirm-sensitive")), what="the confirmation box")
        assert "reply_queued" not in desk.find_element(By.ID, "timeline").text
        desk.find_element(By.ID, "confirm-sensitive").click()
        submit(desk, "send-reply")
        wait(desk, lambda d: "reply_queued" in d.find_element(By.ID, "timeline").text, what="reply queued")
        print("ok  a reply naming harm was held until confirmed, then queued")

        step = "triage corrected"
        Select(desk.find_element(By.ID, "triage-priority")).select_by_value("P2")
        desk.find_element(By.ID, "triage-reason").send_keys("Trẻ đã an toàn ở nhà bà")
        submit(desk, "correct-triage")
        wait(desk, lambda d: "triage_corrected" in d.find_element(By.ID, "timeline").text, what="triage corrected")
        wait(desk, lambda d: "P2" in d.find_element(By.CSS_SELECTOR, "#case-live h1").text, what="P2 in the heading")
        desk.save_screenshot(os.path.join(args.screenshots, "console-case.png"))
        print("ok  triage corrected to P2 with a reason")

        step = "resolved with an outcome"
        Select(desk.find_element(By.ID, "resolve-outcome")).select_by_value("referred_commune")
        desk.find_element(By.ID, "resolve-note").send_keys("Cán bộ xã đã nhận")
        submit(desk, "resolve")
        wait(desk, lambda d: "resolved" == d.find_element(By.ID, "handling").text, what="resolved")
        print("ok  resolved with an outcome from the list")

        step = "the supervisor's audit page lists each action"
        other.get(f"{base}/console/audit?case={reference}")
        actions = [cell.text for cell in other.find_elements(By.CSS_SELECTOR, "table.audit td.action")]
        for action in ["acknowledge", "claim", "note", "reply_sms", "correct_triage", "resolve"]:
            assert action in actions, f"{action} missing from the audit page: {actions}"
        desk.get(f"{base}/console/audit")
        assert "table" not in desk.find_element(By.ID, "main").get_attribute("innerHTML"), "an operator sees the audit trail"
        print("ok  the audit page lists every action; an operator is refused it")

        step = "a walk-in recorded at the desk becomes a triaged case, seen live"
        other.get(f"{base}/console/queue?tab=needs")
        wait(other, lambda d: banner(d) == "live", what="supervisor's queue Live")
        desk.find_element(By.CSS_SELECTOR, "a[href='/console/contacts/new']").click()
        wait(desk, EC.presence_of_element_located((By.ID, "contact-summary")), what="the contact form")
        desk.find_element(By.ID, "channel-walk-in").click()
        desk.find_element(By.ID, "contact-summary").send_keys(
            "Cô giáo đến báo: bé trai lớp 1 hôm nay đến lớp với vết bầm trên lưng, bé nói bố đánh bằng roi, bé sợ về nhà")
        desk.find_element(By.ID, "contact-age").send_keys("6")
        submit(desk, "record-contact")
        wait(desk, EC.presence_of_element_located((By.ID, "case")), what="the new case's page")
        walk_in = desk.current_url.split("/console/cases/")[1].split("?")[0]
        heading = desk.find_element(By.CSS_SELECTOR, "#case-live h1").text
        assert "P1" in heading or "P2" in heading, heading
        assert "walk-in" in desk.find_element(By.ID, "case").text, "channel walk-in not shown"
        wait(other, EC.presence_of_element_located((By.CSS_SELECTOR, f"tr[data-reference='{walk_in}']")), seconds=10,
             what=f"walk-in {walk_in} in the supervisor's queue")
        print(f"ok  walk-in recorded as {heading!r}; the supervisor's queue shows it live")

        step = "referred to the commune: its worker sees it, and nothing of another commune"
        Select(desk.find_element(By.ID, "refer-commune")).select_by_value("hong-gai")
        desk.find_element(By.ID, "refer-note").send_keys("Xin phường đến trường gặp cô giáo trong hôm nay")
        submit(desk, "refer")
        wait(desk, lambda d: "Phường Hồng Gai" in d.find_element(By.ID, "referral").text, what="the referral on the case page")
        desk.find_element(By.CSS_SELECTOR, "a[href='/console/contacts/new']").click()
        wait(desk, EC.presence_of_element_located((By.ID, "contact-summary")), what="the contact form")
        desk.find_element(By.ID, "channel-phone").click()
        desk.find_element(By.ID, "contact-summary").send_keys("Bà gọi: cháu gái 10 tuổi bị dượng đánh, đêm qua phải chạy sang nhà hàng xóm")
        submit(desk, "record-contact")
        wait(desk, EC.presence_of_element_located((By.ID, "refer-commune")), what="the second case's page")
        elsewhere = desk.current_url.split("/console/cases/")[1].split("?")[0]
        Select(desk.find_element(By.ID, "refer-commune")).select_by_value("cam-pha")
        submit(desk, "refer")
        wait(desk, lambda d: "Phường Cẩm Phả" in d.find_element(By.ID, "referral").text, what="the second referral")
        sign_in(worker, base, HONG_GAI)
        wait(worker, EC.presence_of_element_located((By.CSS_SELECTOR, f"tr[data-reference='{walk_in}']")), what="the referral in the worker's list")
        listed = [row.get_attribute("data-reference") for row in worker.find_elements(By.CSS_SELECTOR, "tr[data-reference]")]
        assert listed == [walk_in], listed
        for hidden in (elsewhere, reference):
            worker.get(f"{base}/console/cases/{hidden}")
            assert worker.find_elements(By.ID, "case") == [] and worker.title.startswith("404"), f"{hidden} shown to the worker"
        texts = sms.texts_to("+84900000201")
        assert texts and walk_in in texts[-1] and "danh" not in texts[-1].lower(), texts
        print(f"ok  {walk_in} referred to Hồng Gai: its worker was texted the reference only, lists it alone, and gets 404 for {elsewhere} and {reference}")

        step = "the worker's serious-risk assessment shows on the operator's page live"
        desk.get(f"{base}/console/cases/{walk_in}")
        wait(desk, lambda d: banner(d) == "live", what="desk Live on the referred case")
        desk.execute_script("window.__notReloaded = true;")
        worker.get(f"{base}/console/cases/{walk_in}")
        assert "bầm trên lưng" not in worker.page_source, "the summary was not ticked for sharing"
        submit(worker, "step-accepted")
        wait(worker, EC.presence_of_element_located((By.ID, "serious-yes")), what="the assessment form")
        worker.find_element(By.ID, "serious-yes").click()
        worker.find_element(By.ID, "assess-note").send_keys("Trẻ tạm ở nhà bà ngoại")
        submit(worker, "step-assessed")
        wait(desk, lambda d: d.find_elements(By.ID, "referral-assessment") and "nghiêm trọng" in d.find_element(By.ID, "referral-assessment").text,
             what="the assessment on the operator's page")
        assert desk.execute_script("return window.__notReloaded === true;"), "the operator's page reloaded"
        print("ok  accepted and assessed as serious risk by the commune; the operator's page showed it live")

        step = "a referral not accepted in time turns red and texts the supervisors"
        desk.get(f"{base}/console/cases/{elsewhere}")
        wait(desk, lambda d: d.find_elements(By.CSS_SELECTOR, "#referral .deadline.overdue[data-step='accepted']"), seconds=40,
             what="the acceptance deadline in red")
        wait(desk, lambda d: any(elsewhere in text for text in sms.texts_to(SUPERVISORS_PHONE)), seconds=20, what="the supervisors' SMS")
        late = [text for text in sms.texts_to(SUPERVISORS_PHONE) if elsewhere in text][0]
        print(f"ok  {elsewhere}'s acceptance deadline passed: red on the page, and the supervisors' phone got {late!r}")

        step = "the dashboard's charts and the monthly report agree with the database"
        for i in range(2):
            USSD(port, f"ATUid_browser_count_{i}", f"+8491234567{i}").report_p1()
        db = sqlite3.connect(database)
        total, open_count = db.execute("SELECT COUNT(*), SUM(handling != 'resolved') FROM cases").fetchone()
        channels = dict(db.execute("SELECT channel, COUNT(*) FROM cases GROUP BY channel").fetchall())
        db.close()
        other.get(f"{base}/console/dashboard")
        wait(other, EC.presence_of_element_located((By.ID, "chart-days")), what="the dashboard")
        assert other.find_element(By.ID, "chart-days").get_attribute("data-total") == str(total)
        assert other.find_element(By.ID, "chart-channel").get_attribute("data-total") == str(total)
        assert other.find_element(By.ID, "open-total").text == str(open_count), (other.find_element(By.ID, "open-total").text, open_count)
        assert other.find_elements(By.CSS_SELECTOR, "#chart-days rect"), "no bars drawn"
        month = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).strftime("%Y-%m")
        report = json.loads(other.execute_script(
            "return fetch('/console/dashboard/report?format=json&month=' + arguments[0], {credentials: 'same-origin'})"
            ".then(function (r) { return r.text(); });", month))
        def published(count):
            return "<5" if 0 < count < 5 else count
        assert report["cases"] == published(total), (report["cases"], total)
        for channel, count in channels.items():
            # "*": withheld so that a lone "<5" cannot be worked out from the total.
            assert report["byChannel"][channel] in (published(count), "*" if count >= 5 else None), (channel, report["byChannel"], channels)
        other.save_screenshot(os.path.join(args.screenshots, "console-dashboard.png"))
        print(f"ok  dashboard: {total} cases in the charts, {open_count} open; the {month} report says the same ({report['byChannel']})")

        step = "by keyboard: the first Tab reaches the skip link, Enter goes to the content"
        desk.get(f"{base}/console/cases/{walk_in}")
        wait(desk, EC.presence_of_element_located((By.ID, "case")), what="the walk-in's page")
        ActionChains(desk).send_keys(Keys.TAB).perform()
        assert desk.execute_script("return document.activeElement.className;") == "skip", "Tab does not reach the skip link first"
        ActionChains(desk).send_keys(Keys.ENTER).perform()
        wait(desk, lambda d: d.current_url.endswith("#main"), what="the skip link followed")
        print("ok  keyboard: the skip link comes first and leads to the content")

        step = "a phone-sized screen scrolls down, never sideways"
        desk.set_window_size(390, 844)
        for path in ["/console/queue", f"/console/cases/{walk_in}", "/console/contacts/new"]:
            desk.get(base + path)
            width = desk.execute_script("return window.innerWidth;")
            assert width <= 400, f"the window did not shrink to a phone's width ({width} px)"
            wide = desk.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
            assert wide <= 1, f"{path} is {wide} px wider than a phone screen"
        desk.set_window_size(1280, 900)
        print("ok  queue, case and contact pages fit a 390 px wide screen")

        step = "restart: Reconnecting, then Live, with the case created meanwhile"
        desk.get(f"{base}/console/queue?tab=unassigned")
        wait(desk, lambda d: banner(d) == "live", what="banner Live before the restart")
        stopped_in = server.stop()
        wait(desk, lambda d: banner(d) in ("reconnecting", "stale"), seconds=10, what="banner Reconnecting")
        server.start()
        second = USSD(port, "ATUid_browser_2", "+84912345679").report_p1()
        wait(desk, lambda d: banner(d) == "live", seconds=20, what="banner Live after the restart")
        wait(desk, EC.presence_of_element_located((By.CSS_SELECTOR, f"tr[data-reference='{second}']")), seconds=10,
             what=f"{second} after reconnecting")
        print(f"ok  graceful shutdown with open streams took {stopped_in:.2f} s; banner back to Live with {second}")

        step = "a POST without the CSRF token is refused"
        status = desk.execute_script(
            "return fetch('/console/cases/' + arguments[0] + '/acknowledge', {method: 'POST', credentials: 'same-origin'})"
            ".then(function (r) { return r.status; });", second)
        assert status == 403, status
        print("ok  POST without the CSRF token: 403")

        step = "after signing out the back button shows nothing"
        desk.get(f"{base}/console/cases/{second}")
        wait(desk, EC.presence_of_element_located((By.ID, "case")), what="case page before signing out")
        desk.find_element(By.CSS_SELECTOR, "#sign-out-form button").click()
        wait(desk, EC.presence_of_element_located((By.ID, "token")), what="sign-in page after signing out")
        desk.back()
        time.sleep(1)
        assert desk.find_elements(By.ID, "case") == [], "the case page came back after signing out"
        assert second not in desk.page_source or "sign-in" in desk.current_url, desk.current_url
        print("ok  after signing out, back shows the sign-in page, not the case")
    except Exception:
        print(f"FAILED at: {step}", file=sys.stderr)
        sys.stderr.write(open(server.log).read()[-4000:])
        raise
    finally:
        desk.quit()
        other.quit()
        worker.quit()
        if server.process and server.process.poll() is None:
            server.stop()


if __name__ == "__main__":
    main()
