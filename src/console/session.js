// The signed-in session, shared by the shell and its pages: the API client for the token, what
// the token may see and do, the alerts known so far (kept current by the live stream).
export const S = {
  api: null,
  manage: false, // may register instruments and add certificates (admin, operator), as the API answers
  tenants: [],
  types: [],
  alerts: new Map(),
  filters: { state: '', severity: '', kind: '', tenant: '' },
  devFilters: { tenant: '', type: '', status: '' },
  live: 'off',
  stopStream: null,
  view: null, // { onAlert?(alert, change) }
  flash: null, // message shown once on the next render
};
