// Find: a person card's Find link opens /find?person=ID, which starts a search for them. Once the page has read
// the id, it leaves the address: reloading the page, or coming Back to it from a result photo, shows that search
// (the page shows the latest one) instead of starting it again.
(function () {
    var clientside = window.dash_clientside = window.dash_clientside || {};
    clientside.find = Object.assign({}, clientside.find, {
        forgetPersonInAddress: function (person) {
            var params = new URLSearchParams(window.location.search);
            if (person !== null && person !== undefined && params.has("person")) {
                params.delete("person");
                var rest = params.toString();
                window.history.replaceState(window.history.state, "",
                    window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
                return true;
            }
            return window.dash_clientside.no_update;
        }
    });
})();
