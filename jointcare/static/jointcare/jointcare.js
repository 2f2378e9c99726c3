// Starts the NHS.UK frontend's components. The module's address (with its content hash in production)
// comes from this script element's data-nhsuk-frontend attribute, so no page needs an inline script.
const script = document.querySelector("script[data-nhsuk-frontend]");
const { initAll } = await import(script.dataset.nhsukFrontend);
initAll();
