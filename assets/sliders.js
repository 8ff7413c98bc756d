// Dash's slider draws a number box and a handle (role="slider") that no label names: a screen reader said "slider,
// 0.8" for each, and the Attributes page has two. Each is named here after the label written for the slider
// (`dbc.Label(..., html_for=<the slider's id>)`, visible or not), as the sliders appear with their page.
(function () {
    function nameSliders() {
        document.querySelectorAll(".dash-slider-container[id]").forEach(function (slider) {
            var label = document.querySelector("label[for='" + slider.id + "']");
            if (!label) {
                return;
            }
            var name = label.textContent.trim();
            slider.querySelectorAll("input[type=number], [role=slider]").forEach(function (part) {
                if (part.getAttribute("aria-label") !== name) {
                    part.setAttribute("aria-label", name);
                }
            });
        });
    }

    new MutationObserver(nameSliders).observe(document.documentElement, {childList: true, subtree: true});
})();
