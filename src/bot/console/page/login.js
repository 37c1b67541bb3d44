// The console's sign-in form. The CSP forbids inline script and form posts (`form-action 'none'`), so
// the form is sent here as JSON, the only body the console's API takes.

(() => {
  const form = document.getElementById('login');
  const user = document.getElementById('login-user');
  const password = document.getElementById('login-password');
  const button = document.getElementById('login-button');
  const error = document.getElementById('login-error');
  // Focused from here rather than with `autofocus`, which screen readers announce out of order.
  user.focus();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    error.textContent = '';
    try {
      const res = await fetch('/api/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ user: user.value.trim(), password: password.value }),
      });
      if (res.ok) {
        location.assign('/');
        return;
      }
      let message = `HTTP ${res.status}`;
      try {
        const json = await res.json();
        if (json && typeof json.message === 'string') message = json.message;
      } catch {
        // Not JSON: keep the status.
      }
      error.textContent = res.status === 400 ? 'Enter your name and password.' : message;
      password.value = '';
      password.focus();
    } catch {
      error.textContent = 'The console did not answer; try again.';
    } finally {
      button.disabled = false;
    }
  });
})();
