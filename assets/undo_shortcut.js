// Ctrl+Z (Cmd+Z on a Mac) on the People page presses its Undo button (in "Sort one by one": its Back
// button), unless the user is typing in a field (where Ctrl+Z undoes the typing, as everywhere else).
document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== "z") {
        return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
        return;
    }
    var button = document.getElementById("people-sort-back") || document.getElementById("people-undo-btn");
    if (button && !button.disabled) {
        event.preventDefault();
        button.click();
    }
});
