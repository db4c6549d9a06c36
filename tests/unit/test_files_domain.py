"""The pure rules of files attached to messages: which have a preview, what they are
served as, how their size reads, and what an agent is shown of one (within its budget)."""

from __future__ import annotations

from neurocache_ui.domain import media_prompts
from neurocache_ui.domain.media import MediaRef, content_type_of, media_of, previewable, size_text


def test_only_pdfs_and_text_files_have_a_preview() -> None:
    assert previewable("plan.PDF") and previewable("notes.txt") and previewable("data.csv") and previewable("README.md")
    assert not previewable("bundle.zip") and not previewable("report.docx") and not previewable("page.html")
    assert not previewable("no-extension")
    assert MediaRef(7, "file", "notes.txt").preview_url == "/media/7/preview"
    assert MediaRef(7, "file", "bundle.zip").preview_url == "" and MediaRef(7, "audio", "a.txt").preview_url == ""


def test_a_file_is_served_as_its_name_says_and_nothing_is_guessed() -> None:
    assert content_type_of("plan.pdf", "file") == "application/pdf"
    assert content_type_of("page.html", "file") == "application/octet-stream"  # never text/html
    assert content_type_of("image.svg", "file") == "application/octet-stream"
    assert content_type_of("clip.mp4", "file") == "application/octet-stream"


def test_sizes_read_like_a_file_manager_and_old_rows_still_load() -> None:
    assert [size_text(n) for n in (512, 14 * 1024, 20 * 1024 * 1024 + 99_999)] == ["512 B", "14 KB", "20.1 MB"]
    old = [3, "video", "clip.mp4", 4000, "ready", 100, "", True]  # stored before files had a size
    assert media_of([old])[0].size == 0
    ref = MediaRef(9, "file", "plan.pdf", size=2048)
    assert media_of([ref.to_row()]) == (ref,)


def test_an_agent_gets_a_files_text_cut_at_its_budget() -> None:
    ref = MediaRef(1, "file", "handbook.md", status="ready", size=50_000)
    shown = media_prompts.describe(media_prompts.Watched(ref, text="y" * (media_prompts.FILE_CHARS + 500)))
    assert shown.startswith('[File "handbook.md", 49 KB. Its text:]\n')
    assert shown.count("y") == media_prompts.FILE_CHARS and "500 more characters, not shown" in shown
    waiting = media_prompts.describe(media_prompts.Watched(MediaRef(2, "file", "a.pdf")))
    assert "still being read" in waiting
    empty = media_prompts.describe(media_prompts.Watched(MediaRef(3, "file", "b.zip", status="ready"), note="No text: zips."))
    assert empty.endswith("No text: zips.]")
