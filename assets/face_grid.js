// FaceGrid (dashapp/face_grid.py): a grid of face crops drawn as ONE Dash component. Dash's renderer does work
// for every component of a page at every change (each new one resets its state, and each reset is seen by all
// the others), so a People page of 24 cards with 12 crops each took seconds to redraw when every crop was a
// component of its own. Each tile is a plain element: a click on People selects it (assets/selection.js reads
// `data-fid`), Enter or Space clicks it (assets/keyboard.js); a grid given `n_clicks` also reports the face clicked.
(function () {
    var h = window.React.createElement;

    function tile(face, props) {
        var attrs = {
            key: face.fid,
            className: "face-tile",
            style: {backgroundImage: "url(" + face.src + ")"},
            title: face.title,
            role: "button",
            tabIndex: 0,  // reachable with Tab
            "aria-label": face.title,  // the title's words (a suggestion's name), not only a number
            "data-fid": face.fid
        };
        if (face.caption) {
            attrs["data-caption"] = face.caption;  // drawn over the crop's bottom edge by the style sheet
        }
        if (props.n_clicks !== undefined && props.n_clicks !== null && props.setProps) {
            attrs.onClick = function () {
                props.setProps({clicked_face: face.fid, n_clicks: (props.n_clicks || 0) + 1});
            };
        }
        return h("div", attrs);
    }

    function FaceGrid(props) {
        var faces = props.faces || [];
        var more = props.className ? " " + props.className : "";
        if (!faces.length) {
            return h("div", {id: props.id, className: "text-muted small py-2" + more}, props.empty_text);
        }
        return h("div", {id: props.id, className: "face-grid" + more}, faces.map(function (face) {
            return tile(face, props);
        }));
    }

    window.face_album = Object.assign({}, window.face_album, {FaceGrid: FaceGrid});
})();
