// Drives the live map (web/map/index.html) in headless Chromium for
// map_page_test.cc and prints what its DOM shows, one JSON object per line:
//   {"read":"network", ...}  once every station and road is drawn
//   {"read":"first", ...}    vehicles' positions and the counters
//   {"read":"last", ...}     after the test's booking: positions, counters,
//                            and the booked station's timeline
// Usage: node map_page.js SOURCE_DIR PAGE_URL STATIONS BOOKED_FILE SCREENSHOT
// The test writes BOOKED_FILE ("station start_epoch_s") once it has booked.
"use strict";

const fs = require("fs");
const path = require("path");

const [source, url, stationsText, bookedFile, screenshot] = process.argv.slice(2);
const { chromium } = require(path.join(source, "web/map/node_modules/playwright-core"));
const stations = Number(stationsText);

function say(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

// What the page shows now.
async function read(page) {
  return page.evaluate(() => {
    const count = (id) => Number(document.getElementById(id).textContent);
    const vehicles = {};
    for (const v of document.querySelectorAll("circle.vehicle")) {
      vehicles[v.dataset.vehicle] = [Number(v.getAttribute("cx")), Number(v.getAttribute("cy"))];
    }
    return {
      stations: document.querySelectorAll("circle.station").length,
      roads: document.querySelectorAll("#roads line").length,
      companies: [...document.querySelectorAll("#companies tbody tr")].map((tr) =>
        [...tr.children].map((td) => td.textContent)),
      vehicles,
      messages: count("count-messages"),
      sagas: count("count-sagas"),
      confirmed: count("count-confirmed"),
      skipped: Number(document.getElementById("skipped").textContent.replace(/\D+/g, "")),
      connection: document.getElementById("connection").dataset.state,
    };
  });
}

function moved(a, b) {
  return Object.keys(a).filter((v) => b[v] && (a[v][0] !== b[v][0] || a[v][1] !== b[v][1]));
}

async function waitForFile(file, ms) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8").trim();
      if (text) return text.split(/\s+/);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${file} never came`);
}

let current = null;  // the page, for what it showed when a wait failed

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    current = page;
    page.on("pageerror", (e) => say({ read: "page_error", message: e.message }));
    const opened = Date.now();
    await page.goto(url);
    await page.waitForFunction(
      (n) => document.querySelectorAll("#roads line").length > 0 &&
             document.querySelectorAll("circle.station").length >= n,
      stations, { timeout: 60000, polling: 100 });
    say({ read: "network", ms: Date.now() - opened, ...(await read(page)) });

    // A few vehicles on the road, so that some of them still drive later.
    await page.waitForFunction(() => document.querySelectorAll("circle.vehicle").length >= 6,
      null, { timeout: 60000, polling: 100 });
    const first = await read(page);
    say({ read: "first", ...first });

    const [station, start] = await waitForFile(bookedFile, 90000);
    // Counters rise with the test's booking, and some vehicle moves on.
    await page.waitForFunction(
      ([c, first]) => Number(document.getElementById("count-confirmed").textContent) > c &&
        [...document.querySelectorAll("circle.vehicle")].some((v) => {
          const p = first[v.dataset.vehicle];
          return p && (p[0] !== Number(v.getAttribute("cx")) || p[1] !== Number(v.getAttribute("cy")));
        }),
      [first.confirmed, first.vehicles], { timeout: 60000, polling: 200 });
    await page.dispatchEvent(`circle.station[data-station="${station}"]`, "click");
    await page.waitForFunction(
      (s) => [...document.querySelectorAll("#timeline .booking")]
        .some((b) => Date.parse(b.dataset.start) / 1000 === s),
      Number(start), { timeout: 30000, polling: 200 });
    const last = await read(page);
    last.moved = moved(first.vehicles, last.vehicles).length;
    last.panel = ((await page.textContent("#station-name")) || "").trim();
    last.bars = await page.$$eval("#timeline .booking", (bars) =>
      bars.map((b) => Date.parse(b.dataset.start) / 1000));
    // The screenshot as a person sees it (the CSS transitions settled).
    await page.waitForTimeout(1200);
    await page.screenshot({ path: screenshot });
    say({ read: "last", ...last });
  } catch (e) {
    const shown = current ? await read(current).catch(() => null) : null;
    say({ read: "failed", message: e.message, shown });
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})().catch((e) => {
  say({ read: "failed", message: e.message });
  process.exit(1);
});

