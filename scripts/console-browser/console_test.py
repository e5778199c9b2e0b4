"""The operator console, end to end, in headless Chromium.

Starts `hotline serve` on a fresh database, signs two operators in, posts a P1 through the
Africa's Talking USSD webhook and follows it through the console: live arrival, acknowledge,
claim (seen live by the other operator), note, a reply naming harm that needs confirming,
triage correction, resolution, the supervisor's audit page, a restart (banner Reconnecting,
then Live, with the case created meanwhile), a POST without the CSRF token, and the back
button after signing out.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

DESK = ("duty-desk", "desk-token-for-the-browser-test")
SUPERVISOR = ("supervisor", "supervisor-token-for-the-browser-test")


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
        env.update({"HOTLINE_TOKEN_DUTY_DESK": DESK[1], "HOTLINE_TOKEN_SUPERVISOR": SUPERVISOR[1]})
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
    try:
        # The page swaps parts of itself in as events arrive: an element read mid-swap is retried.
        return WebDriverWait(driver, seconds, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(condition)
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
    server = Server(os.path.abspath(args.binary), args.config, os.path.join(work, "hotline.sqlite"), port, os.path.join(work, "server.log"))
    server.start()
    desk, other = browser(), browser()
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
        if server.process and server.process.poll() is None:
            server.stop()


if __name__ == "__main__":
    main()
