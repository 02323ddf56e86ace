from setuptools import find_packages, setup

package_name = 'fracturescope_testing'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Harness for tests of launched graphs (isolated domain, graph processes, probe).',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [],
        # the MQTT broker fixtures (mosquitto, mosquitto_factory) for every package's tests
        'pytest11': ['fracturescope_testing = fracturescope_testing.pytest_plugin'],
    },
)
