// "Sort one by one" on the People page: 1-3 give the face to the suggested person of that number, I sets it
// aside as Ignored, S skips it; not while typing a name. (Ctrl+Z, Back, is in undo_shortcut.js.)
document.addEventListener("keydown", function (event) {
    var skip = document.getElementById("people-sort-skip");  // only in the page while the dialog is open
    if (!skip || event.ctrlKey || event.metaKey || event.altKey) {
        return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
        return;
    }
    var key = event.key.toLowerCase();
    var button = null;
    if (/^[1-9]$/.test(key)) {
        button = document.querySelectorAll(".sort-accept")[Number(key) - 1];
    } else if (key === "i") {
        button = document.getElementById("people-sort-ignore");
    } else if (key === "s") {
        button = skip;
    }
    if (button && !button.disabled) {
        event.preventDefault();
        button.click();
    }
});
