// Drag-and-drop for the pipeline board. Without this script every card still moves with its ←/→ form; with it,
// dropping a card on another column submits that same form with the column's stage, so the server sees exactly
// what a keyboard move sends. No inline handlers, no eval: it runs under the strict CSP.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var dragged = null;

  function column(el) {
    return el && el.closest ? el.closest(".board-col[data-stage]") : null;
  }

  board.querySelectorAll(".board-card").forEach(function (card) {
    if (card.querySelector("form.board-move")) card.setAttribute("draggable", "true");
  });

  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".board-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.id);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (c) {
      c.classList.remove("drop-target");
    });
  });

  board.addEventListener("dragover", function (e) {
    var col = column(e.target);
    if (!dragged || !col || col === column(dragged)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    col.classList.add("drop-target");
  });

  board.addEventListener("dragleave", function (e) {
    var col = column(e.target);
    if (col && !col.contains(e.relatedTarget)) col.classList.remove("drop-target");
  });

  board.addEventListener("drop", function (e) {
    var col = column(e.target);
    if (!dragged || !col || col === column(dragged)) return;
    e.preventDefault();
    var form = dragged.querySelector("form.board-move");
    var input = form.querySelector("input[name=stage_id]") || document.createElement("input");
    input.type = "hidden";
    input.name = "stage_id";
    input.value = col.getAttribute("data-stage");
    form.appendChild(input);
    col.classList.remove("drop-target");
    // requestSubmit without a submitter sends no button value, so the hidden stage is the only stage_id sent.
    form.requestSubmit();
  });
})();
