// Deployment overwrites this file with the API's URL (no trailing slash); "" means same origin.
window.FUNKO_CONFIG = { apiBase: "" };
