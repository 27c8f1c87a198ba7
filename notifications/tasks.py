"""Delivery of outbound messages, outside the request that caused them."""

from celery import shared_task

from . import services


@shared_task(name="notifications.deliver", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_outbound_task(message_id: int):
    services.outbound_deliver(message_id=message_id)


@shared_task(name="notifications.outbound_sweep", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def outbound_sweep_task():
    return services.outbound_sweep()


@shared_task(name="notifications.deliver_many", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_many_task(message_ids: list[int]):
    for message_id in message_ids:
        services.outbound_deliver(message_id=message_id)
