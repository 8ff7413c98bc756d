// Names for the parts of Dash components that no label reaches, put on as the components appear with their page.
(function () {
    // Dash's slider draws a number box and a handle (role="slider") that no label names: a screen reader said
    // "slider, 0.8" for each, and the Attributes page has two. Each is named after the label written for the
    // slider (`dbc.Label(..., html_for=<the slider's id>)`, visible or not).
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

    // Each drop area's file field (invisible, but what the keyboard and a screen reader reach) is named with the
    // words of the label before it ("A photo of the person") and its own ("Drop a photo here, …"): unnamed, each
    // was read as "Choose files", and the Find page's two could not be told apart.
    function labelBefore(zone) {  // dcc.Upload: a div with the upload's id around the area
        var previous = zone.parentElement && zone.parentElement.previousElementSibling;
        while (previous && previous.tagName !== "LABEL") {
            previous = previous.previousElementSibling;
        }
        return previous ? previous.textContent.trim() : "";
    }

    function nameDropAreas() {
        document.querySelectorAll(".upload-zone input[type=file]:not([aria-label])").forEach(function (input) {
            var zone = input.closest(".upload-zone");
            var prompt = zone.firstElementChild ? zone.firstElementChild.firstElementChild : null;
            var words = [labelBefore(zone), prompt ? prompt.textContent.trim() : ""].filter(Boolean);
            input.setAttribute("aria-label", words.join(": "));
        });
    }

    // Dash's dropdown is a button named by its value only ("Person"): the label written for it ("Colour by") is
    // put first in its name.
    function nameDropdowns() {
        document.querySelectorAll("button.dash-dropdown[id][aria-labelledby]").forEach(function (button) {
            var label = document.querySelector("label[for='" + button.id + "']");
            if (!label) {
                return;
            }
            label.id = label.id || button.id + "-label";
            var names = button.getAttribute("aria-labelledby");
            if (names.split(" ")[0] !== label.id) {
                button.setAttribute("aria-labelledby", label.id + " " + names);
            }
        });
    }

    // A pager's links were read "2", "3": each is "Page 2" (the pager itself is named by the landmark around it,
    // `components.pager`: "Pages of people").
    function namePageLinks() {
        document.querySelectorAll(".pagination a.page-link").forEach(function (link) {
            var number = link.textContent.trim();
            if (/^[0-9]+$/.test(number) && link.getAttribute("aria-label") !== "Page " + number) {
                link.setAttribute("aria-label", "Page " + number);
            }
        });
    }

    new MutationObserver(function () {
        nameSliders();
        nameDropAreas();
        nameDropdowns();
        namePageLinks();
    }).observe(document.documentElement, {childList: true, subtree: true});
})();
