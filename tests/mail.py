"""Mail the tests look at: delivered by running the mail queue's tasks, as the worker does."""

from django.core import mail
from django_tasks_db.models import DBTaskResult

from accounts.tasks import MAIL_QUEUE


def run_mail_tasks(*, rounds: int = 20) -> int:
    """Run the mail queue's ready tasks in this process, the way django-tasks-db's worker runs
    each one (claim, call, record the outcome), but inside the test's transaction: the worker
    loop itself manages connections, which a test that is not ``transaction=True`` cannot allow."""
    ran = 0
    for _ in range(rounds):
        result = DBTaskResult.objects.ready().filter(queue_name=MAIL_QUEUE).order_by("enqueued_at", "id").first()
        if result is None:
            break
        result.claim("pytest")
        task = result.task
        try:
            result.set_successful(task.call(*result.task_result.args, **result.task_result.kwargs))
        except Exception as exc:
            result.set_failed(exc)
            raise
        ran += 1
    return ran


def sent_mail() -> list:
    """Deliver the queued mail and return every message sent so far. Mail is queued on commit:
    in a test inside a transaction, send it under ``django_capture_on_commit_callbacks(execute=True)``."""
    run_mail_tasks()
    return list(mail.outbox)
