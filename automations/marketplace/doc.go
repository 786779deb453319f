// Package marketplace holds the buyer-message flows for marketplace seller
// portals: signing in (password, TOTP, CAPTCHA hand-off), pulling threads,
// messages, orders and attachments into the local database incrementally,
// working out each thread's reply deadline and language, and sending replies
// through the outbox so that a reply is never sent twice.
//
// Selectors and URLs come from the site's recipe (package automations); the
// flows here are the code that reads them. One adapter per marketplace
// (amazon, ebay, tiktok) knows the shape of that site.
package marketplace
