// The print view's button: window.print() needs a script, and the CSP forbids inline ones.
for (const button of document.querySelectorAll('[data-print]')) {
  button.addEventListener('click', () => window.print());
}
