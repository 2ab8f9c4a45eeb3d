// Create/edit form of a Zoom meeting: a "New passcode" button beside the passcode field.
// Plain browser JavaScript, inlined by ZoomPlugin.render_form (no build step needed), which passes `gettext`:
// the translations of this file's texts in the user's language (extracted by scripts/i18n like the Python ones).
(function(gettext) {
  'use strict';
  var form = document.querySelector('#vc-room-form[data-vc-type="zoom"]');
  var input = form && form.querySelector('input[name="vc-password"]');
  if (!input || input.dataset.zoomEnhanced) {
    return;
  }
  input.dataset.zoomEnhanced = '1';
  var length = parseInt(form.dataset.passcodeLength, 10) || 10;

  function newPasscode() {
    // digits only, from the browser's CSPRNG; rejection sampling keeps every digit equally likely
    var digits = [];
    var buf = new Uint8Array(1);
    while (digits.length < length) {
      window.crypto.getRandomValues(buf);
      if (buf[0] < 250) {
        digits.push(buf[0] % 10);
      }
    }
    return digits.join('');
  }

  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'i-button icon-loop';
  button.id = 'vc-zoom-new-passcode';
  button.textContent = gettext('New passcode');
  button.addEventListener('click', function() {
    input.value = newPasscode();
    input.dispatchEvent(new Event('change', {bubbles: true}));
  });
  input.insertAdjacentElement('afterend', button);
})
