# The production image: Airflow 3.3.2 with this project installed from the lock.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:0 . /opt/wifi-footfall
USER airflow
# The lock pins every package, Airflow's own included; the editable install keeps sql/ and maps/
# beside the package where pipeline.config finds them.
RUN pip install --no-cache-dir -r /opt/wifi-footfall/requirements.lock \
 && pip install --no-cache-dir --no-deps -e /opt/wifi-footfall
