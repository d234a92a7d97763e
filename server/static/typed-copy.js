// A draft return on paper reads as a submitted one: the form stays off the paper and each field's
// words are printed as text (.typed-copy). They follow the typing, so what is printed is what is in
// the boxes, saved or not; a copy's section (the 备注 heading) leaves the paper while its field is empty.
for (const copy of document.querySelectorAll('[data-copy-of]')) {
  const field = document.getElementById(copy.dataset.copyOf);
  if (!field) continue;
  const section = copy.closest('[data-copy-section]');
  const show = () => {
    const words = field.value.trim();
    copy.textContent = words || '\u3000';  // an ideographic space keeps an empty line's underline
    if (section) section.hidden = !words;
  };
  field.addEventListener('input', show);
  // Chromium puts typed words back into the boxes on Back or a reload: the copies follow them.
  window.addEventListener('pageshow', show);
  show();
}
