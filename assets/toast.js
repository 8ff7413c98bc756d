// Every page: the message box (app-toast) closes 7 s after its newest message. dbc.Toast's own `duration` counts
// from the message that opened it, so a message coming while another showed (a second action within 7 s) went
// with it, within moments of showing.
(function () {
    var SHOWN_MS = 7000;
    var timer = null;
    var clientside = window.dash_clientside = window.dash_clientside || {};
    clientside.toast = Object.assign({}, clientside.toast, {
        // Run when a message comes (the server writes the box's children and opens it) or the box closes.
        closeLater: function (_children, isOpen) {
            clearTimeout(timer);
            timer = isOpen ? setTimeout(function () {
                window.dash_clientside.set_props("app-toast", {is_open: false});
            }, SHOWN_MS) : null;
        }
    });
})();
