// Checks a service name as the user types, with the bureau's naming rules from
// /api/v1/enumerations. The server checks again on save; this only helps early.
(function () {
  "use strict";
  var input = document.querySelector("[data-naming-check]");
  var hint = document.getElementById("naming-hint");
  if (!input || !hint) { return; }
  var zh = document.documentElement.lang !== "en";
  var text = {
    chinese: zh ? "名称至少需要 {n} 个汉字" : "The name needs at least {n} Chinese characters",
    ascii: zh ? "名称不能只由字母或数字组成" : "The name cannot be only letters or digits",
    domain: zh ? "名称不能是域名或网址" : "The name cannot be a domain or a URL",
    prefix: zh ? "名称不能以“{p}”开头" : "The name cannot start with \u201c{p}\u201d"
  };
  function problem(name, rules) {
    var value = name.trim();
    if (!value) { return ""; }
    if (/^[A-Za-z0-9\s]+$/.test(value)) { return text.ascii; }
    if (/^(https?:\/\/)?[\w-]+(\.[\w-]+)+\/?$/i.test(value)) { return text.domain; }
    var prefixes = rules.forbidden_prefixes || [];
    for (var i = 0; i < prefixes.length; i++) {
      if (value.indexOf(prefixes[i]) === 0) { return text.prefix.replace("{p}", prefixes[i]); }
    }
    var count = (value.match(/[\u4e00-\u9fff]/g) || []).length;
    var registered = document.getElementById("registered_name");
    if (count < (rules.min_chinese_chars || 0) && !(registered && registered.checked)) {
      return text.chinese.replace("{n}", rules.min_chinese_chars);
    }
    return "";
  }
  fetch("/api/v1/enumerations", {credentials: "omit"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var rules = data.naming_rules || {};
      var check = function () { hint.textContent = problem(input.value, rules); };
      input.addEventListener("input", check);
      check();
    })
    .catch(function () { /* the server still checks on save */ });
}());
