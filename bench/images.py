"""Three huge photos checked at once: peak memory and wall time of demands.uploads.check_photo.

Writes three kinds of 6,000 × 6,000 picture to a temporary folder (an RGBA PNG of one colour, ~170 KB, the shape of
a decompression bomb; a smooth RGB JPEG, as a 36-megapixel camera would give; and the issue's 6,324 × 6,324 RGBA
PNG), then, for each kind, starts a fresh process in which three threads pass three copies through check_photo
at the same moment, as three residents submitting together would. Each process prints its resident memory before
(ru_maxrss after Django has loaded), its peak, the wall time of the three checks and what became of each photo.

--before runs the same against check_photo as committed (git show HEAD:demands/uploads.py), for comparison.
--smoke makes every picture 300 px on a side: it only shows that the benchmark still runs.

    python bench/images.py [--before] [--side 6000] [--smoke]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KINDS = ("png-rgba", "jpeg-rgb", "png-issue")


def write_images(folder: Path, side: int, issue_side: int = 6324) -> dict[str, Path]:
    from PIL import Image

    paths = {}
    path = paths["png-rgba"] = folder / "flat.png"
    Image.new("RGBA", (side, side), (200, 30, 30, 255)).save(path, "PNG")
    # Smooth gradients in three directions: a photo-like JPEG that still fits under MAX_PHOTO_BYTES.
    ramp = Image.linear_gradient("L").resize((side, side))
    photo = Image.merge("RGB", (ramp, ramp.rotate(90), ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    path = paths["jpeg-rgb"] = folder / "camera.jpg"
    photo.save(path, "JPEG", quality=85)
    del photo, ramp
    path = paths["png-issue"] = folder / "issue.png"
    Image.new("RGBA", (issue_side, issue_side), (200, 30, 30, 255)).save(path, "PNG")
    return paths


def check_photo_function(before: bool):
    if not before:
        from demands.uploads import check_photo

        return check_photo
    source = subprocess.run(["git", "show", "HEAD:demands/uploads.py"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    module = types.ModuleType("uploads_before")
    exec(compile(source, "HEAD:demands/uploads.py", "exec"), module.__dict__)
    return module.check_photo


def child(path: Path, before: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.errors import InvalidInput

    check_photo = check_photo_function(before)
    data = path.read_bytes()
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = [None] * 3
    barrier = threading.Barrier(3)

    def submit(i: int) -> None:
        upload = SimpleUploadedFile(path.name, data, content_type="image/png")
        barrier.wait()
        started = time.perf_counter()
        try:
            checked = check_photo(upload)
            result = f"kept {checked.width}×{checked.height} {checked.content_type}"
        except InvalidInput as refused:
            result = "refused: " + str(refused.field_errors["photos"][0])
        outcomes[i] = (time.perf_counter() - started, result)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(3)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  file {len(data) / 1024:,.0f} KB · RSS after Django {start_rss / 1024:,.0f} MB · "
          f"peak {peak / 1024:,.0f} MB (+{(peak - start_rss) / 1024:,.0f} MB for three) · wall {wall:.2f} s")
    for seconds, result in outcomes:
        print(f"    {seconds:5.2f} s  {result}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", action="store_true", help="check_photo as committed, for comparison")
    parser.add_argument("--side", type=int, default=6000)
    parser.add_argument("--smoke", action="store_true", help="300 px pictures: the test suite's check")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.before)
        return
    label = "check_photo as committed (HEAD)" if args.before else "check_photo in the working tree"
    print(f"{label}: three photos at once, each kind in a fresh process")
    with tempfile.TemporaryDirectory() as folder:
        paths = write_images(Path(folder), 300, 300) if args.smoke else write_images(Path(folder), args.side)
        for kind in KINDS:
            print(f"{kind}:")
            sys.stdout.flush()
            command = [sys.executable, __file__, "--child", str(paths[kind])] + (["--before"] if args.before else [])
            subprocess.run(command, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
