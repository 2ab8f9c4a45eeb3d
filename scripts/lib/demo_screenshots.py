"""Regenerate the README screenshots (docs/screenshots/) from a running demo: python demo_screenshots.py [URL].

Logs in as the demo admin, creates a Zoom meeting in the first event through the real dialog (so run it on a
freshly started demo), and saves small palette PNGs of the create dialog, the event page and the Videoconference
management page.
"""

import re
import sys
from io import BytesIO
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright


sys.path.insert(0, str(Path(__file__).parent))
from live_instance import ROOT, USERS  # noqa: E402


CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--no-proxy-server']
OUT = ROOT / 'docs' / 'screenshots'


def save(png_bytes, name, crop=None):
    image = Image.open(BytesIO(png_bytes)).convert('RGB')
    if crop:
        image = image.crop(crop)
    # a 64-colour palette keeps these UI shots legible at a fraction of the size
    image.quantize(64, method=Image.Quantize.MEDIANCUT).save(OUT / name, optimize=True)
    print(OUT / name)


def main(base_url='http://127.0.0.1:8000'):
    OUT.mkdir(parents=True, exist_ok=True)
    admin = USERS['admin']
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path='/usr/bin/chromium', args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={'width': 1280, 'height': 860})
        page.goto(f'{base_url}/login/')
        page.fill('#identifier', admin['login'])
        page.fill('#password', admin['password'])
        with page.expect_navigation():
            page.click('button.login-form-button')

        page.goto(f'{base_url}/event/1/manage/videoconference/')
        page.get_by_role('button', name=re.compile(r'Create Zoom (room|videoconference)')).click()  # 3.2 / 3.3
        form = page.locator('.ui-dialog form#vc-room-form')
        form.wait_for()
        form.locator('#vc-name').fill('Detector upgrade weekly')
        save(page.locator('.ui-dialog').screenshot(), 'create-dialog.png')
        with page.expect_navigation():
            form.locator('input[type=submit][value=Save]').click()

        page.goto(f'{base_url}/event/1/')
        # unfold the join details: Indico 3.2's service row / 3.3's Semantic UI segment
        page.locator('.event-service-row a.trigger.icon-expand, ind-vc-room-segment a.expand-button').first.click()
        details = page.locator('.event-service-details, ind-vc-room-segment .bottom.attached.segment').first
        details.wait_for()
        page.mouse.move(640, 700)  # away from anything with a tooltip
        page.wait_for_timeout(500)
        details = details.bounding_box()
        save(page.screenshot(), 'event-page.png', crop=(130, 58, 1150, int(details['y'] + details['height']) + 12))

        page.goto(f'{base_url}/event/1/manage/videoconference/')
        page.locator('tr.vc-room-entry a.toggle-details').first.click()
        page.locator('tr.vc-room-entry + tr dl.details-container').first.wait_for()
        page.mouse.move(640, 800)
        page.wait_for_timeout(500)
        save(page.screenshot(full_page=True), 'manage-page.png')
        browser.close()


if __name__ == '__main__':
    main(*sys.argv[1:])
