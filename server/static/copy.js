// The copy button of the WeChat brief: puts the text of the element named by data-copy on the
// clipboard and says so in words. Without JavaScript the button stays hidden and the text can
// still be selected and copied by hand.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      status.textContent = '已复制，可以粘贴到微信工作群。';
    } catch {
      source.focus();
      source.select();
      status.textContent = '已选中全部文字，请长按选择“复制”，或按 Ctrl+C。';
    }
  });
}
