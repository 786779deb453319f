package claims

// DamageWords exposes the built-in damage words to the external tests.
var DamageWords = damageWords
