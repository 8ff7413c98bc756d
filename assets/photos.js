// Photos: on a narrow screen (a phone; below Bootstrap's "lg", where the page's two columns stack) the photo opened
// by a click on the list is drawn below the whole list, out of sight: the tap seemed to do nothing. So the page
// scrolls to it. Side by side, the photo is in sight already and the list stays where it is.
(function () {
    var STACKED = "(max-width: 991.98px)";

    document.addEventListener("click", function (event) {
        var tile = event.target && event.target.closest && event.target.closest("#photos-grid .photo-tile");
        var detail = document.getElementById("photos-detail");
        if (tile && detail && window.matchMedia(STACKED).matches) {
            detail.scrollIntoView({block: "start"});
        }
    });
})();
