"""Comparing snapshots: pure functions, no database."""

from articles import revisions


def snapshot(**fields):
    base = {"title": "제목", "body": "", "status": "draft", "categories": []}
    return {**base, **fields}


def test_only_changed_fields_are_listed_in_reading_order():
    old = snapshot(title="옛 제목", categories=["정치"])
    new = snapshot(title="새 제목", categories=["정치", "국제"], status="published")
    changes = revisions.diff(old, new)
    assert [c.label for c in changes] == ["제목", "카테고리", "상태"]
    assert (changes[1].old, changes[1].new) == ("정치", "정치, 국제")
    assert (changes[2].old, changes[2].new) == ("초안", "게재")


def test_identical_snapshots_have_no_changes():
    assert revisions.diff(snapshot(), snapshot()) == []


def test_a_one_line_html_body_is_compared_paragraph_by_paragraph():
    paragraphs = [f"<p>{n}번째 문단입니다.</p>" for n in range(1, 7)]
    before = "".join(paragraphs)
    after = before.replace("<p>4번째 문단입니다.</p>", "<p>고친 넷째 문단.</p>")
    rows = revisions.text_rows(before, after)
    assert ("removed", "<p>4번째 문단입니다.</p>") in rows
    assert ("added", "<p>고친 넷째 문단.</p>") in rows
    # Unchanged text far from the change is left out.
    assert ("same", "<p>1번째 문단입니다.</p>") not in rows


def test_separate_changes_are_split_by_a_gap():
    before = "첫 문장. 둘째 문장. 셋째 문장. 넷째 문장. 다섯째 문장."
    after = "처음 문장. 둘째 문장. 셋째 문장. 넷째 문장. 마지막 문장."
    kinds = [kind for kind, _ in revisions.text_rows(before, after)]
    assert kinds.count("gap") == 1
    assert kinds.count("removed") == kinds.count("added") == 2
