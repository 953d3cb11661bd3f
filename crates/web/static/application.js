// The application form: narrow the 考点 list to the chosen 考区 and the specialty and title lists to the chosen
// exam. Without this script every choice is listed, grouped, and the server checks that they fit together.
const form = document.querySelector('[data-application-form]');
if (form) {
  const current = (name) => {
    const field = form.elements[name];
    if (!field) return '';
    if (field instanceof RadioNodeList) return field.value;
    return field.value;
  };
  const narrow = () => {
    for (const select of form.querySelectorAll('select[data-narrow-by]')) {
      const key = current(select.dataset.narrowBy);
      for (const group of select.querySelectorAll('optgroup')) {
        const fits = !key || group.dataset.group === key;
        group.hidden = !fits;
        group.disabled = !fits;
      }
      const chosen = select.selectedOptions[0];
      if (chosen && chosen.parentElement instanceof HTMLOptGroupElement && chosen.parentElement.disabled) select.value = '';
    }
  };
  form.addEventListener('change', (event) => {
    if (event.target.name === 'province' || event.target.name === 'exam') narrow();
  });
  narrow();
}
