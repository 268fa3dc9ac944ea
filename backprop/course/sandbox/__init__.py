"""Grading jobs in a bubblewrap sandbox: the wall between student code and the grader.

    bubblewrap.py   `run_job(job_dir, ...)`: start the runner inside bubblewrap (no network,
                    no view of the course folder, an unprivileged uid, resource limits),
                    wait for it, and kill everything it started
    runner.py       `python -m backprop.course.sandbox.runner JOB_DIR`, inside: run the
                    notebook with nbclient, then call the learner's functions on the
                    grader's inputs and write the outcomes back
    wire.py         plain data across the wall (JSON + .npz, never pickle), read with size
                    caps and without following links

The job folder's format is described in `runner.py`.
"""
