// access.js: decodes the access set of an access token (claim "access") for UI hints.
// No dependencies. The server re-checks every request: this only enables or disables buttons.
//
//   const access = AccessSet.fromToken(token);      // or AccessSet.decode("a1.…")
//   AccessSet.inToken(token)                         // false when the server left the claim out
//   access.can("project:delete")                     // true / false
//   access.check("ai:generate")                      // "allowed" | "role_required" | "flag_disabled"
//                                                    // | "plan_required" | "limit_reached" | "unknown"
(function (root) {
  "use strict";
  var NAMES = /*NAMES*/[];
  var STATES = ["allowed", "role_required", "flag_disabled", "plan_required", "limit_reached"];
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function fingerprint(names) {
    var h = 0x811c9dc5;
    for (var i = 0; i < names.length; i++) {
      var bytes = utf8(names[i] + "\n");
      for (var j = 0; j < bytes.length; j++) {
        h ^= bytes[j];
        h = Math.imul(h, 0x01000193) >>> 0;
      }
    }
    return h >>> 0;
  }

  function utf8(s) {
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        var cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
      } else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }

  function base64url(s) {
    var out = [], acc = 0, bits = 0;
    for (var i = 0; i < s.length; i++) {
      var v = ALPHABET.indexOf(s[i]);
      if (v < 0) return null;
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push((acc >> bits) & 0xff);
      }
    }
    return out;
  }

  function AccessSet(states) {
    this.states = states; // name -> state
  }
  AccessSet.prototype.check = function (name) {
    return Object.prototype.hasOwnProperty.call(this.states, name) ? this.states[name] : "unknown";
  };
  AccessSet.prototype.can = function (name) {
    return this.check(name) === "allowed";
  };
  AccessSet.prototype.allowed = function () {
    var out = [];
    for (var k in this.states) if (this.states[k] === "allowed") out.push(k);
    return out;
  };

  // Decodes "a1.…"; throws on anything else or on a set encoded for other entitlements.
  AccessSet.decode = function (encoded, names) {
    names = names || NAMES;
    if (typeof encoded !== "string" || encoded.indexOf("a1.") !== 0) throw new Error("malformed access set");
    var bytes = base64url(encoded.slice(3));
    if (!bytes || bytes.length < 6) throw new Error("malformed access set");
    var n = bytes[0] | (bytes[1] << 8);
    var fp = (bytes[2] | (bytes[3] << 8) | (bytes[4] << 16) | (bytes[5] << 24)) >>> 0;
    if (n !== names.length || fp !== fingerprint(names)) throw new Error("access set was encoded for another model");
    var payload = bytes.slice(6);
    if (payload.length !== Math.ceil((n * 3) / 8)) throw new Error("malformed access set");
    var states = {};
    for (var i = 0; i < n; i++) {
      var bit = i * 3;
      var lo = payload[bit >> 3], hi = payload[(bit >> 3) + 1] || 0;
      var v = ((lo | (hi << 8)) >> (bit & 7)) & 7;
      if (v >= STATES.length) throw new Error("malformed access set");
      states[names[i]] = STATES[v];
    }
    return new AccessSet(states);
  };

  function claims(token) {
    var part = String(token).split(".")[1];
    var bytes = part === undefined ? null : base64url(part.replace(/=+$/, ""));
    if (!bytes) throw new Error("malformed token");
    var json = decodeURIComponent(bytes.map(function (b) { return "%" + ("0" + b.toString(16)).slice(-2); }).join(""));
    return JSON.parse(json);
  }

  // Whether the token carries an access set: the server leaves the claim out when the model's
  // set is longer than its cap (Authz::access_claim_max); then read it from an endpoint.
  AccessSet.inToken = function (token) {
    return typeof claims(token).access === "string";
  };

  // The access set in a JWT's "access" claim (the signature is the server's business).
  AccessSet.fromToken = function (token, names) {
    var c = claims(token);
    if (typeof c.access !== "string") throw new Error("the token carries no access set: read it from the server (GET /me/access)");
    return AccessSet.decode(c.access, names);
  };

  AccessSet.NAMES = NAMES;
  if (typeof module === "object" && module.exports) module.exports = AccessSet;
  else root.AccessSet = AccessSet;
})(typeof self !== "undefined" ? self : this);
